namespace ModelRegistry.Platform;

/// <summary>What the workers accept from the broker (section <c>Messages</c>).</summary>
public sealed class MessageOptions : ISettings
{
    public const string Section = "Messages";

    /// <summary>
    /// The largest body a worker reads (1 MiB). A larger one is refused unread: a rejection event naming this limit
    /// where the command has one, else its error queue, and its first 4 KiB kept with its size and SHA-256. The
    /// broker's own <c>max_message_size</c> must be larger (the services set 2 MiB), or such bodies never arrive and
    /// their publishers see only a closed channel.
    /// </summary>
    public int MaxBodyBytes { get; set; } = 1024 * 1024;

    public IEnumerable<string> Validate()
    {
        if (MaxBodyBytes is < 64 * 1024 or > 128 * 1024 * 1024)
            yield return $"{Section}:MaxBodyBytes must be 65536-134217728 bytes (64 KiB to 128 MiB; was {MaxBodyBytes})";
    }
}
