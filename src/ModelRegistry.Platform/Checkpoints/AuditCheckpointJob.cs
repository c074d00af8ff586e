using System.Security.Cryptography;
using System.Text;
using MassTransit;
using Microsoft.Extensions.Logging;
using ModelRegistry.Contracts;
using Quartz;

namespace ModelRegistry.Platform.Checkpoints;

/// <summary>
/// The checkpoint's Quartz job: turns a firing of the cron trigger into <see cref="AuditCheckpointDue"/> on the bus. Any
/// member of the (clustered) scheduler may fire it, once per firing across hosts; the message reaches the audit worker's
/// queue, so the checkpoint is signed where the key is. The message id is derived from the scheduled time.
/// </summary>
[DisallowConcurrentExecution]
public sealed class AuditCheckpointJob(IBus bus, ILogger<AuditCheckpointJob> logger) : IJob
{
    public static readonly JobKey Key = new("audit-checkpoint", "audit");
    public static readonly TriggerKey Trigger = new("audit-checkpoint", "audit");

    public async ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        var scheduled = context.ScheduledFireTimeUtc ?? context.FireTimeUtc;
        try
        {
            await bus.Publish(new AuditCheckpointDue { ScheduledFor = scheduled, FiredAt = context.FireTimeUtc }, c => c.MessageId = IdOf(scheduled),
                cancellationToken);
            logger.LogInformation("Audit checkpoint due {Scheduled:u}", scheduled);
        }
        catch (Exception e)
        {
            // The broker is away: try again shortly rather than skip the checkpoint.
            await Task.Delay(TimeSpan.FromSeconds(1), CancellationToken.None);
            throw new JobExecutionException($"publishing the audit checkpoint due {scheduled:u} failed", e) { RefireImmediately = true };
        }
    }

    /// <summary>The firing's id: the same for every publication of one scheduled firing.</summary>
    public static Guid IdOf(DateTimeOffset scheduledFor) =>
        new(SHA256.HashData(Encoding.UTF8.GetBytes($"audit-checkpoint|{scheduledFor.UtcTicks}")).AsSpan(0, 16));
}
