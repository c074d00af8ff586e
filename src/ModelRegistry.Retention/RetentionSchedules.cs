using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Quartz;

namespace ModelRegistry.Retention;

/// <summary>
/// Puts the retention worker's jobs and cron triggers (UTC) in Quartz's store when a host that runs the worker starts.
/// Idempotent: an unchanged schedule is left as it is (its next firing kept), a changed one replaces the trigger; hosts
/// starting together write the same thing. Missed firings (every host down) collapse into one as soon as a host is back.
/// </summary>
public sealed class RetentionSchedules(ISchedulerFactory schedulers, RetentionOptions options, ILogger<RetentionSchedules> logger) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var scheduler = await schedulers.GetScheduler(cancellationToken);
        await ScheduleAsync<RetentionSweepJob>(scheduler, RetentionSweepJob.Key, RetentionSweepJob.Trigger, options.SweepSchedule, cancellationToken);
        await ScheduleAsync<StorageReportJob>(scheduler, StorageReportJob.Key, StorageReportJob.Trigger, options.ReportSchedule, cancellationToken);
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    private async Task ScheduleAsync<TJob>(IScheduler scheduler, JobKey key, TriggerKey triggerKey, string cron, CancellationToken ct) where TJob : IJob
    {
        var current = await scheduler.GetTrigger(triggerKey, ct) as ICronTrigger;
        if (current?.CronExpressionString == cron && current.TimeZone.Equals(TimeZoneInfo.Utc) && await scheduler.GetJobDetail(key, ct) is not null)
            return;
        var job = JobBuilder.Create<TJob>().WithIdentity(key).RequestRecovery().Build();
        var trigger = TriggerBuilder.Create()
            .WithIdentity(triggerKey)
            .ForJob(key)
            .WithCronSchedule(cron, c => c.InTimeZone(TimeZoneInfo.Utc).WithMisfireInstruction(CronTriggerMisfireInstruction.FireAndProceed))
            .Build();
        await scheduler.ScheduleJob(job, [trigger], new ScheduleJobOptions { Replace = true }, ct);
        logger.LogInformation("{Job} scheduled: cron '{Cron}' (UTC){Was}", key.Name, cron, current is null ? "" : $", replacing '{current.CronExpressionString}'");
    }
}
