using ModelRegistry.Platform;

namespace ModelRegistry.Deployments;

/// <summary>The <c>Deployments</c> configuration section (docs/deployments.md, "Settings").</summary>
public sealed class DeploymentsOptions : ISettings
{
    public const string Section = "Deployments";

    /// <summary>The environment policy (JSON); empty: the built-in policy docs/deployments.md describes.</summary>
    public string? PolicyFile { get; set; }

    /// <summary>How long a DeployModelVersion may wait for the ModelDeployed that carries it out.</summary>
    public TimeSpan AcknowledgementTimeout { get; set; } = TimeSpan.FromMinutes(15);

    /// <summary>The discovery audit's Quartz cron expression (seconds first).</summary>
    public string AuditSchedule { get; set; } = "0 */5 * * * ?";

    /// <summary>An endpoint that has sent nothing for longer is reported silent by the discovery audit.</summary>
    public TimeSpan SilentEndpointAfter { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>Heartbeats (EndpointInventoryReported) taken in one batch.</summary>
    public int HeartbeatBatchSize { get; set; } = 200;

    /// <summary>How long a batch waits to fill before it is handled anyway.</summary>
    public TimeSpan HeartbeatBatchTimeLimit { get; set; } = TimeSpan.FromMilliseconds(100);

    /// <summary>An unchanged heartbeat moves the endpoint's last-reported time at most this often (it costs no row write otherwise).</summary>
    public TimeSpan LastReportedGranularity { get; set; } = TimeSpan.FromMinutes(1);

    public IEnumerable<string> Validate()
    {
        if (AcknowledgementTimeout <= TimeSpan.Zero) yield return $"{Section}:AcknowledgementTimeout {AcknowledgementTimeout} must be positive";
        if (!Quartz.CronExpression.TryParse(AuditSchedule ?? "", out _))
            yield return $"{Section}:AuditSchedule '{AuditSchedule}' is not a Quartz cron expression (seconds minutes hours day-of-month month day-of-week)";
        if (SilentEndpointAfter <= TimeSpan.Zero) yield return $"{Section}:SilentEndpointAfter {SilentEndpointAfter} must be positive";
        if (HeartbeatBatchSize is < 1 or > 1000) yield return $"{Section}:HeartbeatBatchSize {HeartbeatBatchSize} is outside 1-1000";
        if (HeartbeatBatchTimeLimit <= TimeSpan.Zero || HeartbeatBatchTimeLimit > TimeSpan.FromSeconds(10))
            yield return $"{Section}:HeartbeatBatchTimeLimit {HeartbeatBatchTimeLimit} is outside (0, 10 s]";
        if (LastReportedGranularity < TimeSpan.Zero) yield return $"{Section}:LastReportedGranularity {LastReportedGranularity} must not be negative";
    }
}
