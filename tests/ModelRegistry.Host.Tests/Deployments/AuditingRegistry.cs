using ModelRegistry.Testing;

namespace ModelRegistry.Host.Tests.Deployments;

/// <summary>
/// A real host running every worker with a discovery audit every 2 seconds and deploy instructions due 10 seconds after
/// they are issued, and an observer of its events.
/// </summary>
public sealed class AuditingRegistry : RunningRegistry
{
    public static readonly TimeSpan AcknowledgementTimeout = TimeSpan.FromSeconds(10);
    public const string AuditSchedule = "0/2 * * * * ?";

    public override IReadOnlyDictionary<string, string> HostEnvironment => new Dictionary<string, string>(EnvironmentVariables)
    {
        ["Deployments__AuditSchedule"] = AuditSchedule,
        ["Deployments__AcknowledgementTimeout"] = AcknowledgementTimeout.ToString("c"),
    };
}
