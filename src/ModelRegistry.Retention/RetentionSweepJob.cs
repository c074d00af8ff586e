using MassTransit;
using Microsoft.Extensions.Logging;
using ModelRegistry.Contracts.Retention;
using Quartz;

namespace ModelRegistry.Retention;

/// <summary>
/// The retention sweep's Quartz job (Retention:SweepSchedule): publishes <see cref="RunRetentionSweep"/> with the sweep id
/// derived from the scheduled time, so a firing published twice is one sweep.
/// </summary>
[DisallowConcurrentExecution]
public sealed class RetentionSweepJob(IBus bus, ILogger<RetentionSweepJob> logger) : ScheduledMessageJob(bus, logger)
{
    public static readonly JobKey Key = new("retention-sweep", "retention");
    public static readonly TriggerKey Trigger = new("retention-sweep", "retention");

    protected override string Name => "retention-sweep";

    protected override object MessageFor(Guid id, DateTimeOffset scheduled, DateTimeOffset fired) =>
        new RunRetentionSweep { SweepId = id, RequestedBy = "schedule" };

    /// <summary>The sweep id of a scheduled firing.</summary>
    public static Guid IdOf(DateTimeOffset scheduledFor) => IdOf("retention-sweep", scheduledFor);
}
