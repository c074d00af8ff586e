namespace ModelRegistry.Platform;

/// <summary>The host's self-check (section <c>Health</c>): how often, where it reports, when it gives up.</summary>
public sealed class HealthOptions : ISettings
{
    public const string Section = "Health";

    /// <summary>How often the host checks that its bus consumes every queue it serves.</summary>
    public int CheckIntervalSeconds { get; set; } = 5;

    /// <summary>
    /// How long the bus may fail to consume (broker reachable, but a queue of this host without a
    /// consumer or an endpoint not healthy), or the outbox relay fail with both services reachable,
    /// before the host exits with code 4 so its supervisor starts a fresh one.
    /// MassTransit's reconnect backoff reaches 30 s (±25 %) after a long broker outage, so the default leaves room for one
    /// whole interval (up to 37.5 s) after the broker is back.
    /// </summary>
    public int MaxStalledSeconds { get; set; } = 60;

    /// <summary>A file the host rewrites at every check with its state (JSON); empty: none.</summary>
    public string File { get; set; } = "";

    public TimeSpan CheckInterval => TimeSpan.FromSeconds(CheckIntervalSeconds);
    public TimeSpan MaxStalled => TimeSpan.FromSeconds(MaxStalledSeconds);

    public IEnumerable<string> Validate()
    {
        if (CheckIntervalSeconds is < 1 or > 300) yield return $"{Section}:CheckIntervalSeconds must be 1-300 seconds (was {CheckIntervalSeconds})";
        if (MaxStalledSeconds < 2 * CheckIntervalSeconds || MaxStalledSeconds > 86_400)
            yield return $"{Section}:MaxStalledSeconds must be at least twice {Section}:CheckIntervalSeconds and at most 86400 (was {MaxStalledSeconds})";
    }
}
