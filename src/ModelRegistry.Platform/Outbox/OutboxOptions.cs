using ModelRegistry.Platform;

namespace ModelRegistry.Platform.Outbox;

/// <summary>The outbox relay's settings (section <c>Outbox</c>).</summary>
public sealed class OutboxOptions : ISettings
{
    public const string Section = "Outbox";

    /// <summary>Longest a relay batch may take, publish confirms included, before it is rolled back and tried again.</summary>
    public int BatchTimeoutSeconds { get; set; } = 10;

    public TimeSpan BatchTimeout => TimeSpan.FromSeconds(BatchTimeoutSeconds);

    public IEnumerable<string> Validate()
    {
        if (BatchTimeoutSeconds is < 1 or > 3600) yield return $"{Section}:BatchTimeoutSeconds must be 1-3600 seconds (was {BatchTimeoutSeconds})";
    }
}
