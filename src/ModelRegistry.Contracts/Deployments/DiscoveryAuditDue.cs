using MassTransit;

namespace ModelRegistry.Contracts.Deployments;

/// <summary>
/// Internal: the discovery audit's schedule (a Quartz cron trigger) fired. Any host in the scheduler cluster may fire
/// it; the deployments worker's queue takes it, so only a host that runs that worker runs the audit, once per firing.
/// </summary>
[EntityName("mreg.discovery-audit-due")]
public record DiscoveryAuditDue
{
    /// <summary>The time the schedule was due (the trigger's scheduled fire time).</summary>
    public DateTimeOffset ScheduledFor { get; init; }

    /// <summary>When it actually fired (later than <see cref="ScheduledFor"/> when the scheduler was busy or down).</summary>
    public DateTimeOffset FiredAt { get; init; }
}
