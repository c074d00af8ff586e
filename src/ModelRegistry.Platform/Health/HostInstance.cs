namespace ModelRegistry.Platform;

/// <summary>Names this process in records it writes, so several hosts can be told apart.</summary>
public sealed record HostInstance(string Name)
{
    public static HostInstance Current { get; } = new($"{Environment.MachineName}/{Environment.ProcessId}");
}
