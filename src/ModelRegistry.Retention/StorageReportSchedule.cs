using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Quartz;

namespace ModelRegistry.Retention;

/// <summary>
/// Puts the storage report's job and cron trigger (Retention:ReportSchedule, UTC) in Quartz's store when a host that runs
/// the retention worker starts. Idempotent: an unchanged schedule is left as it is (its next firing kept), a changed one
/// replaces the trigger; hosts starting together write the same thing.
/// </summary>
public sealed class StorageReportSchedule(ISchedulerFactory schedulers, RetentionOptions options, ILogger<StorageReportSchedule> logger) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var scheduler = await schedulers.GetScheduler(cancellationToken);
        var current = await scheduler.GetTrigger(StorageReportJob.Trigger, cancellationToken) as ICronTrigger;
        if (current?.CronExpressionString == options.ReportSchedule && current.TimeZone.Equals(TimeZoneInfo.Utc)
            && await scheduler.GetJobDetail(StorageReportJob.Key, cancellationToken) is not null)
            return;
        var job = JobBuilder.Create<StorageReportJob>().WithIdentity(StorageReportJob.Key).RequestRecovery().Build();
        var trigger = TriggerBuilder.Create()
            .WithIdentity(StorageReportJob.Trigger)
            .ForJob(StorageReportJob.Key)
            // Missed firings (every host down) collapse into one report as soon as a host is back.
            .WithCronSchedule(options.ReportSchedule, c => c.InTimeZone(TimeZoneInfo.Utc).WithMisfireInstruction(CronTriggerMisfireInstruction.FireAndProceed))
            .Build();
        await scheduler.ScheduleJob(job, [trigger], new ScheduleJobOptions { Replace = true }, cancellationToken);
        logger.LogInformation("Storage report scheduled: cron '{Cron}' (UTC){Was}", options.ReportSchedule,
            current is null ? "" : $", replacing '{current.CronExpressionString}'");
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
