using System.Security.Cryptography;
using System.Text;
using MassTransit;
using Microsoft.Extensions.Logging;
using Quartz;

namespace ModelRegistry.Retention;

/// <summary>
/// A Quartz job of the retention worker that only turns a firing of its cron trigger into a message on the bus: any
/// member of the scheduler cluster may fire it, and the message reaches the worker's queue, so the work runs where the
/// worker runs (docs/architecture.md, "Scheduler"). The message id is derived from the job's name and the scheduled time:
/// a firing published twice is one run (inbox). When the broker is away the firing is retried shortly, not skipped.
/// </summary>
public abstract class ScheduledMessageJob(IBus bus, ILogger logger) : IJob
{
    /// <summary>The job's name (its key, and part of every message id).</summary>
    protected abstract string Name { get; }

    /// <summary>The message for the firing scheduled at <paramref name="scheduled"/> with id <paramref name="id"/>.</summary>
    protected abstract object MessageFor(Guid id, DateTimeOffset scheduled, DateTimeOffset fired);

    public async ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        var scheduled = context.ScheduledFireTimeUtc ?? context.FireTimeUtc;
        var id = IdOf(Name, scheduled);
        try
        {
            await bus.Publish(MessageFor(id, scheduled, context.FireTimeUtc), c => c.MessageId = id, cancellationToken);
            logger.LogInformation("{Job} {Id} due {Scheduled:u}", Name, id, scheduled);
        }
        catch (Exception e)
        {
            await Task.Delay(TimeSpan.FromSeconds(1), CancellationToken.None);
            throw new JobExecutionException($"publishing the {Name} due {scheduled:u} failed", e) { RefireImmediately = true };
        }
    }

    /// <summary>The id of the firing of job <paramref name="name"/> scheduled at <paramref name="scheduledFor"/>.</summary>
    public static Guid IdOf(string name, DateTimeOffset scheduledFor)
    {
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes($"{name}|{scheduledFor.UtcTicks}"));
        return new Guid(hash.AsSpan(0, 16));
    }
}
