using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Quartz;

namespace ModelRegistry.Deployments;

/// <summary>
/// Puts the discovery audit's job and cron trigger (Deployments:AuditSchedule, UTC) in Quartz's store when a host that
/// runs the deployments worker starts. Idempotent: an unchanged schedule is left as it is (its next firing kept), a
/// changed one replaces the trigger; hosts starting together write the same thing.
/// </summary>
public sealed class DiscoveryAuditSchedule(ISchedulerFactory schedulers, DeploymentsOptions options, ILogger<DiscoveryAuditSchedule> logger)
    : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var scheduler = await schedulers.GetScheduler(cancellationToken);
        var current = await scheduler.GetTrigger(DiscoveryAuditJob.Trigger, cancellationToken) as ICronTrigger;
        if (current?.CronExpressionString == options.AuditSchedule && current.TimeZone.Equals(TimeZoneInfo.Utc)
            && await scheduler.GetJobDetail(DiscoveryAuditJob.Key, cancellationToken) is not null)
            return;
        var job = JobBuilder.Create<DiscoveryAuditJob>().WithIdentity(DiscoveryAuditJob.Key).RequestRecovery().Build();
        var trigger = TriggerBuilder.Create()
            .WithIdentity(DiscoveryAuditJob.Trigger)
            .ForJob(DiscoveryAuditJob.Key)
            // Missed firings (every host down) collapse into one run as soon as a host is back.
            .WithCronSchedule(options.AuditSchedule, c => c.InTimeZone(TimeZoneInfo.Utc).WithMisfireInstruction(CronTriggerMisfireInstruction.FireAndProceed))
            .Build();
        await scheduler.ScheduleJob(job, [trigger], new ScheduleJobOptions { Replace = true }, cancellationToken);
        logger.LogInformation("Discovery audit scheduled: cron '{Cron}' (UTC){Was}", options.AuditSchedule,
            current is null ? "" : $", replacing '{current.CronExpressionString}'");
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
