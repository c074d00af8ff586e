using System.Security.Cryptography;
using System.Text;
using MassTransit;
using Microsoft.Extensions.Logging;
using ModelRegistry.Contracts.Retention;
using Quartz;

namespace ModelRegistry.Retention;

/// <summary>
/// The retention sweep's Quartz job: turns a firing of its cron trigger (Retention:SweepSchedule) into
/// <see cref="RunRetentionSweep"/> on the bus, with the sweep id derived from the scheduled time, so a firing published
/// twice is one sweep. Only hosts that run the retention worker join with this job; the message reaches its queue.
/// </summary>
[DisallowConcurrentExecution]
public sealed class RetentionSweepJob(IBus bus, ILogger<RetentionSweepJob> logger) : IJob
{
    public static readonly JobKey Key = new("retention-sweep", "retention");
    public static readonly TriggerKey Trigger = new("retention-sweep", "retention");

    public async ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        var scheduled = context.ScheduledFireTimeUtc ?? context.FireTimeUtc;
        var sweepId = IdOf(scheduled);
        try
        {
            await bus.Publish(new RunRetentionSweep { SweepId = sweepId, RequestedBy = "schedule" }, c => c.MessageId = sweepId, cancellationToken);
            logger.LogInformation("Retention sweep {SweepId} due {Scheduled:u}", sweepId, scheduled);
        }
        catch (Exception e)
        {
            // The broker is away: try again shortly rather than skip the sweep.
            await Task.Delay(TimeSpan.FromSeconds(1), CancellationToken.None);
            throw new JobExecutionException($"publishing the retention sweep due {scheduled:u} failed", e) { RefireImmediately = true };
        }
    }

    /// <summary>The sweep id of a scheduled firing.</summary>
    public static Guid IdOf(DateTimeOffset scheduledFor)
    {
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes($"retention-sweep|{scheduledFor.UtcTicks}"));
        return new Guid(hash.AsSpan(0, 16));
    }
}
