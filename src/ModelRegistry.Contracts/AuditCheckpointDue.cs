using MassTransit;

namespace ModelRegistry.Contracts;

/// <summary>
/// Internal: the audit checkpoint's schedule (a Quartz cron trigger) fired. Any host in the scheduler cluster may fire it;
/// the <c>audit-checkpoint</c> queue of the <c>audit</c> worker takes it, so only a host that holds the signing key signs.
/// </summary>
[EntityName("mreg.audit-checkpoint-due")]
public record AuditCheckpointDue
{
    /// <summary>The time the schedule was due (the trigger's scheduled fire time).</summary>
    public DateTimeOffset ScheduledFor { get; init; }

    /// <summary>When it actually fired.</summary>
    public DateTimeOffset FiredAt { get; init; }
}
