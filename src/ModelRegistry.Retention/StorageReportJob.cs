using System.Security.Cryptography;
using System.Text;
using MassTransit;
using Microsoft.Extensions.Logging;
using ModelRegistry.Contracts.Retention;
using Quartz;

namespace ModelRegistry.Retention;

/// <summary>
/// The storage report's Quartz job: turns a firing of the cron trigger (Retention:ReportSchedule) into
/// <see cref="StorageReportDue"/> on the bus. Any member of the scheduler cluster may fire it; the message reaches the
/// retention worker's queue. The message id is derived from the scheduled time: a firing published twice is one report (inbox).
/// </summary>
[DisallowConcurrentExecution]
public sealed class StorageReportJob(IBus bus, ILogger<StorageReportJob> logger) : IJob
{
    public static readonly JobKey Key = new("storage-report", "retention");
    public static readonly TriggerKey Trigger = new("storage-report", "retention");

    public async ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        var scheduled = context.ScheduledFireTimeUtc ?? context.FireTimeUtc;
        var due = new StorageReportDue { ScheduledFor = scheduled, FiredAt = context.FireTimeUtc };
        try
        {
            await bus.Publish(due, c => c.MessageId = IdOf(scheduled), cancellationToken);
            logger.LogInformation("Storage report due {Scheduled:u}", scheduled);
        }
        catch (Exception e)
        {
            // The broker is away: try again shortly rather than skip the report.
            await Task.Delay(TimeSpan.FromSeconds(1), CancellationToken.None);
            throw new JobExecutionException($"publishing the storage report due {scheduled:u} failed", e) { RefireImmediately = true };
        }
    }

    /// <summary>The report's id: the same for every publication of one scheduled firing.</summary>
    public static Guid IdOf(DateTimeOffset scheduledFor)
    {
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes($"storage-report|{scheduledFor.UtcTicks}"));
        return new Guid(hash.AsSpan(0, 16));
    }
}
