using MassTransit;
using Microsoft.Extensions.Logging;
using ModelRegistry.Contracts.Retention;
using ModelRegistry.Platform;
using ModelRegistry.Platform.Artifacts;
using ModelRegistry.Platform.Audit;
using ModelRegistry.Platform.Identity;
using Npgsql;

namespace ModelRegistry.Retention;

/// <summary>
/// Makes the scheduled storage report (<see cref="StorageReportJob"/>): <see cref="StorageReportQuery"/>, then
/// <see cref="StorageReportGenerated"/> through the outbox and a <c>storage.reported</c> audit record with the totals, in
/// one unit of work; once per firing (the message id, derived from the scheduled time, is the report id and the inbox
/// key). Only the registry's own principal fires it: one from anyone else is logged and dropped (the broker already keeps
/// clients off its exchange).
/// </summary>
public sealed class StorageReportConsumer(NpgsqlDataSource dataSource, IArtifactStore store, RetentionOptions options, AccessPolicy access,
    IMessagePrincipal principals, TimeProvider clock, ILogger<StorageReportConsumer> logger) : IConsumer<StorageReportDue>
{
    public const string Consumer = "storage-report";

    public async Task Consume(ConsumeContext<StorageReportDue> context)
    {
        var principal = principals.SenderOf(context);
        if (!access.IsRegistry(principal))
        {
            logger.LogWarning("Refused StorageReportDue from {Principal}: only the registry's schedule fires the storage report", principal ?? "(none)");
            return;
        }
        var reportId = context.MessageId ?? StorageReportJob.IdOf(context.Message.ScheduledFor);
        await DatabaseResilience.Pipeline.ExecuteAsync(async token =>
        {
            await using var work = await UnitOfWork.BeginAsync(dataSource, token);
            if (!await work.TryMarkInboxAsync(reportId, Consumer, token)) return;
            var now = clock.GetUtcNow();
            var report = await StorageReportQuery.RunAsync(work.Connection, work.Transaction, store, options, reportId, now, token);
            work.Publish(report);
            work.Audit(new AuditAppend(RetentionActions.AuditActor, "storage.reported", "storage_report", reportId.ToString("D"), null, new
            {
                scheduledFor = context.Message.ScheduledFor, storedBytes = report.StoredBytes, archivedBytes = report.ArchivedBytes,
                deletedBytes = report.DeletedBytes, monthlyCost = report.MonthlyCost, currency = report.Currency, teams = report.ByTeam.Count,
            }));
            await work.CommitAsync(now, token);
            logger.LogInformation("Storage report {Report}: {Stored} bytes stored, {Archived} archived, {Deleted} deleted; {Cost} {Currency} a month",
                reportId, report.StoredBytes, report.ArchivedBytes, report.DeletedBytes, report.MonthlyCost, report.Currency);
        }, context.CancellationToken);
    }
}
