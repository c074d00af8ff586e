namespace ModelRegistry.Platform.Checkpoints;

/// <summary>
/// Whether the last checkpoint reached its sinks: the watchdog reports a failing one as <c>degraded</c> in
/// <c>registry.hosts</c> and the health file (<c>mreg status</c>), so an unroutable checkpoint is seen, not silent.
/// </summary>
public sealed class AuditCheckpointHealth
{
    private volatile string? problem;

    /// <summary>Why the last checkpoint failed; null when it succeeded (or none was made yet).</summary>
    public string? Problem => problem;

    public void Failed(string why) => problem = why;

    public void Succeeded() => problem = null;
}
