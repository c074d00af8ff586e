using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using ModelRegistry.Platform.Audit;
using Quartz;

namespace ModelRegistry.Platform.Checkpoints;

/// <summary>
/// At start of a host that runs the audit worker: declares the checkpoint stream (<see cref="AuditCheckpointBroker"/>) and
/// puts the job and its cron trigger (Audit:CheckpointSchedule, UTC) in Quartz's store. Idempotent, as the discovery
/// audit's schedule: an unchanged schedule keeps its next firing, a changed one replaces the trigger.
/// </summary>
public sealed class AuditCheckpointSchedule(ISchedulerFactory schedulers, RabbitMqOptions rabbit, AuditCheckpointOptions options,
    ILogger<AuditCheckpointSchedule> logger) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        await AuditCheckpointBroker.DeclareAsync(rabbit, cancellationToken);
        var scheduler = await schedulers.GetScheduler(cancellationToken);
        var current = await scheduler.GetTrigger(AuditCheckpointJob.Trigger, cancellationToken) as ICronTrigger;
        if (current?.CronExpressionString == options.CheckpointSchedule && current.TimeZone.Equals(TimeZoneInfo.Utc)
            && await scheduler.GetJobDetail(AuditCheckpointJob.Key, cancellationToken) is not null)
            return;
        var job = JobBuilder.Create<AuditCheckpointJob>().WithIdentity(AuditCheckpointJob.Key).RequestRecovery().Build();
        var trigger = TriggerBuilder.Create()
            .WithIdentity(AuditCheckpointJob.Trigger)
            .ForJob(AuditCheckpointJob.Key)
            // Missed firings (every host down) collapse into one checkpoint as soon as a host is back.
            .WithCronSchedule(options.CheckpointSchedule, c => c.InTimeZone(TimeZoneInfo.Utc).WithMisfireInstruction(CronTriggerMisfireInstruction.FireAndProceed))
            .Build();
        await scheduler.ScheduleJob(job, [trigger], new ScheduleJobOptions { Replace = true }, cancellationToken);
        logger.LogInformation("Audit checkpoint scheduled: cron '{Cron}' (UTC)", options.CheckpointSchedule);
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
