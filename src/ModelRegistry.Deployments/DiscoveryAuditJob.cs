using System.Security.Cryptography;
using System.Text;
using MassTransit;
using Microsoft.Extensions.Logging;
using ModelRegistry.Contracts.Deployments;
using Quartz;

namespace ModelRegistry.Deployments;

/// <summary>
/// The discovery audit's Quartz job: turns a firing of the cron trigger into <see cref="DiscoveryAuditDue"/> on the bus.
/// Any member of the scheduler cluster may fire it, also one that does not run the deployments worker; the message
/// reaches the worker's queue, so the audit runs where the worker runs. The message id is derived from the scheduled
/// time: a firing published twice is run once (inbox).
/// </summary>
[DisallowConcurrentExecution]
public sealed class DiscoveryAuditJob(IBus bus, ILogger<DiscoveryAuditJob> logger) : IJob
{
    public static readonly JobKey Key = new("discovery-audit", "deployments");
    public static readonly TriggerKey Trigger = new("discovery-audit", "deployments");

    public async ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        var scheduled = context.ScheduledFireTimeUtc ?? context.FireTimeUtc;
        var due = new DiscoveryAuditDue { ScheduledFor = scheduled, FiredAt = context.FireTimeUtc };
        try
        {
            await bus.Publish(due, c => c.MessageId = IdOf(scheduled), cancellationToken);
            logger.LogInformation("Discovery audit due {Scheduled:u}", scheduled);
        }
        catch (Exception e)
        {
            // The broker is away: try again shortly rather than skip the run.
            await Task.Delay(TimeSpan.FromSeconds(1), CancellationToken.None);
            throw new JobExecutionException($"publishing the discovery audit due {scheduled:u} failed", e) { RefireImmediately = true };
        }
    }

    /// <summary>The run's id: the same for every publication of one scheduled firing.</summary>
    public static Guid IdOf(DateTimeOffset scheduledFor)
    {
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes($"discovery-audit|{scheduledFor.UtcTicks}"));
        return new Guid(hash.AsSpan(0, 16));
    }
}
