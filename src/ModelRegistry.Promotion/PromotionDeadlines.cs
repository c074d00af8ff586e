using MassTransit;
using Microsoft.Extensions.Logging;
using ModelRegistry.Contracts.Promotion;
using Quartz;
using ModelRegistry.Platform;
using ModelRegistry.Platform.Rules;

namespace ModelRegistry.Promotion;

/// <summary>Durable promotion deadlines: kept by Quartz in PostgreSQL, clustered, so they survive restarts and fire once.</summary>
public interface IPromotionDeadlines
{
    /// <summary>Schedules (or moves) the <paramref name="kind"/> deadline of a promotion. Idempotent.</summary>
    Task ScheduleAsync(Guid promotionId, string kind, DateTimeOffset dueAt, CancellationToken cancellationToken);

    /// <summary>Removes the deadline if it is still scheduled.</summary>
    Task CancelAsync(Guid promotionId, string kind, CancellationToken cancellationToken);
}

public static class DeadlineKinds
{
    public const string Evaluation = "evaluation";
    public const string Approval = "approval";
}

/// <summary>Quartz's job store is the schedule; <see cref="PromotionDeadlineJob"/> turns a due deadline into a message.</summary>
public sealed class QuartzPromotionDeadlines(ISchedulerFactory schedulers) : IPromotionDeadlines
{
    public const string Group = "promotion-deadlines";

    public static JobKey KeyOf(Guid promotionId, string kind) => new($"{promotionId:D}/{kind}", Group);

    public async Task ScheduleAsync(Guid promotionId, string kind, DateTimeOffset dueAt, CancellationToken cancellationToken)
    {
        var scheduler = await schedulers.GetScheduler(cancellationToken);
        var key = KeyOf(promotionId, kind);
        var job = JobBuilder.Create<PromotionDeadlineJob>()
            .WithIdentity(key)
            .UsingJobData(PromotionDeadlineJob.PromotionIdKey, promotionId.ToString("D"))
            .UsingJobData(PromotionDeadlineJob.KindKey, kind)
            .UsingJobData(PromotionDeadlineJob.DueAtKey, dueAt.UtcDateTime.ToString("O"))
            .RequestRecovery() // a host that dies mid-fire: another member fires it again
            .Build();
        var trigger = TriggerBuilder.Create()
            .WithIdentity(key.Name, Group)
            .ForJob(key)
            .StartAt(dueAt)
            // Everyone was down at the due time: fire as soon as a host is back.
            .WithSimpleSchedule(s => s.WithMisfireInstruction(SimpleTriggerMisfireInstruction.FireNow))
            .Build();
        await scheduler.ScheduleJob(job, [trigger], new ScheduleJobOptions { Replace = true }, cancellationToken);
    }

    public async Task CancelAsync(Guid promotionId, string kind, CancellationToken cancellationToken)
    {
        var scheduler = await schedulers.GetScheduler(cancellationToken);
        await scheduler.DeleteJob(KeyOf(promotionId, kind), cancellationToken);
    }
}

/// <summary>Publishes <see cref="PromotionDeadlineReached"/> when a deadline is due; the saga decides whether it still matters.</summary>
public sealed class PromotionDeadlineJob(IBus bus, ILogger<PromotionDeadlineJob> logger) : IJob
{
    public const string PromotionIdKey = "promotionId";
    public const string KindKey = "kind";
    public const string DueAtKey = "dueAt";

    public async ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken)
    {
        var data = context.MergedJobDataMap;
        var message = new PromotionDeadlineReached
        {
            PromotionId = Guid.Parse(data.GetString(PromotionIdKey)!),
            Deadline = data.GetString(KindKey)!,
            DueAt = DateTimeOffset.Parse(data.GetString(DueAtKey)!, System.Globalization.CultureInfo.InvariantCulture),
        };
        try
        {
            await bus.Publish(message, cancellationToken);
            logger.LogInformation("Promotion {PromotionId}: {Kind} deadline reached", message.PromotionId, message.Deadline);
        }
        catch (Exception e)
        {
            // The broker is away: try again shortly rather than lose the deadline.
            await Task.Delay(TimeSpan.FromSeconds(1), CancellationToken.None);
            throw new JobExecutionException($"publishing the {message.Deadline} deadline of promotion {message.PromotionId} failed", e)
            {
                RefireImmediately = true,
            };
        }
    }
}
