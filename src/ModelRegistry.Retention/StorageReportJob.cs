using MassTransit;
using Microsoft.Extensions.Logging;
using ModelRegistry.Contracts.Retention;
using Quartz;

namespace ModelRegistry.Retention;

/// <summary>
/// The storage report's Quartz job (Retention:ReportSchedule): publishes <see cref="StorageReportDue"/>; a firing
/// published twice is one report (the message id is derived from the scheduled time).
/// </summary>
[DisallowConcurrentExecution]
public sealed class StorageReportJob(IBus bus, ILogger<StorageReportJob> logger) : ScheduledMessageJob(bus, logger)
{
    public static readonly JobKey Key = new("storage-report", "retention");
    public static readonly TriggerKey Trigger = new("storage-report", "retention");

    protected override string Name => "storage-report";

    protected override object MessageFor(Guid id, DateTimeOffset scheduled, DateTimeOffset fired) =>
        new StorageReportDue { ScheduledFor = scheduled, FiredAt = fired };

    /// <summary>The report's id: the same for every publication of one scheduled firing.</summary>
    public static Guid IdOf(DateTimeOffset scheduledFor) => IdOf("storage-report", scheduledFor);
}
