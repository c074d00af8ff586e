using Dapper;
using Microsoft.Extensions.Logging;
using ModelRegistry.Platform;
using ModelRegistry.Platform.Audit;
using Npgsql;

namespace ModelRegistry.Retention;

/// <summary>What one sweep's housekeeping did: its cut-off instants and the rows it pruned.</summary>
public sealed record HousekeepingRun(Guid SweepId, DateTime StartedAt, DateTime InboxBefore, DateTime RejectionsBefore, DateTime OutboxDeadBefore,
    long InboxDeleted, long RejectionsCut, long OutboxDeadDeleted, DateTime? FinishedAt);

/// <summary>
/// Prunes the registry's own tables for one sweep (docs/retention.md, "Housekeeping"): inbox rows older than
/// <see cref="RetentionOptions.InboxRetention"/>, refused bodies older than <see cref="RetentionOptions.RejectionBodyRetention"/>
/// cut to their SHA-256 and size, outbox dead letters older than <see cref="RetentionOptions.OutboxDeadRetention"/>.
/// The pruning runs in batches of its own short transactions, each adding its count to the run's row as it commits; the
/// end is one <see cref="UnitOfWork"/>: the inbox mark of the sweep, the run's finish and the <c>retention.housekeeping</c>
/// audit record with the three counts. A sweep interrupted anywhere resumes with the same cut-offs and exact counts.
/// </summary>
public sealed class Housekeeping(NpgsqlDataSource dataSource, RetentionOptions options, TimeProvider clock, ILogger<Housekeeping> logger)
{
    public const string Consumer = "retention-housekeeping";
    public const string AuditAction = "retention.housekeeping";

    /// <summary>
    /// Rows per statement: a huge backlog (millions of inbox rows) is never one transaction holding its locks, WAL and
    /// dead tuples until the end, and a crash loses at most one batch of work.
    /// </summary>
    public int InboxBatch { get; init; } = 10_000;

    /// <summary>Rejections per statement: fewer, since each may carry a body of up to a megabyte.</summary>
    public int RejectionBatch { get; init; } = 1_000;

    /// <summary>Prunes for <paramref name="sweepId"/> unless it was done before; null then, else what it did.</summary>
    public async Task<HousekeepingRun?> RunAsync(Guid sweepId, string actor, CancellationToken cancellationToken)
    {
        if (await DoneAsync(sweepId, cancellationToken)) return null;
        var run = await StartAsync(sweepId, cancellationToken);
        await RepeatAsync(HousekeepingSql.DeleteInboxBatch, sweepId, run.InboxBefore, InboxBatch, cancellationToken);
        await RepeatAsync(HousekeepingSql.CutRejectionsBatch, sweepId, run.RejectionsBefore, RejectionBatch, cancellationToken);
        await RepeatAsync(HousekeepingSql.DeleteOutboxDeadBatch, sweepId, run.OutboxDeadBefore, InboxBatch, cancellationToken);
        return await FinishAsync(sweepId, actor, cancellationToken);
    }

    private Task<bool> DoneAsync(Guid sweepId, CancellationToken cancellationToken) =>
        DatabaseResilience.Pipeline.ExecuteAsync(async token =>
        {
            await using var c = await dataSource.OpenConnectionAsync(token);
            return await c.ExecuteScalarAsync<bool>(new CommandDefinition(
                "SELECT EXISTS (SELECT 1 FROM registry.inbox WHERE message_id = @SweepId AND consumer = @Consumer)",
                new { SweepId = sweepId, Consumer }, cancellationToken: token));
        }, cancellationToken).AsTask();

    private Task<HousekeepingRun> StartAsync(Guid sweepId, CancellationToken cancellationToken) =>
        DatabaseResilience.Pipeline.ExecuteAsync(async token =>
        {
            var now = clock.GetUtcNow().UtcDateTime;
            await using var c = await dataSource.OpenConnectionAsync(token);
            await c.ExecuteAsync(new CommandDefinition(HousekeepingSql.Start, new
            {
                SweepId = sweepId, Now = now, InboxBefore = now - options.InboxRetention, RejectionsBefore = now - options.RejectionBodyRetention,
                OutboxDeadBefore = now - options.OutboxDeadRetention,
            }, cancellationToken: token));
            return await c.QuerySingleAsync<HousekeepingRun>(new CommandDefinition(HousekeepingSql.Load, new { SweepId = sweepId }, cancellationToken: token));
        }, cancellationToken).AsTask();

    private async Task RepeatAsync(string batchSql, Guid sweepId, DateTime before, int batch, CancellationToken cancellationToken)
    {
        long done;
        do
        {
            cancellationToken.ThrowIfCancellationRequested();
            done = await DatabaseResilience.Pipeline.ExecuteAsync(async token =>
            {
                await using var c = await dataSource.OpenConnectionAsync(token);
                // One statement, so one implicit transaction: the rows and the count commit together.
                return await c.ExecuteScalarAsync<long>(new CommandDefinition(batchSql,
                    new { SweepId = sweepId, Before = before, Batch = batch, Now = clock.GetUtcNow().UtcDateTime }, cancellationToken: token));
            }, cancellationToken);
        }
        while (done == batch);
    }

    private Task<HousekeepingRun?> FinishAsync(Guid sweepId, string actor, CancellationToken cancellationToken) =>
        DatabaseResilience.Pipeline.ExecuteAsync(async token =>
        {
            var now = clock.GetUtcNow();
            await using var work = await UnitOfWork.BeginAsync(dataSource, token);
            if (!await work.TryMarkInboxAsync(sweepId, Consumer, token)) return null;
            await work.Connection.ExecuteAsync(new CommandDefinition(HousekeepingSql.Finish, new { SweepId = sweepId, Now = now.UtcDateTime },
                work.Transaction, cancellationToken: token));
            var run = await work.Connection.QuerySingleAsync<HousekeepingRun>(new CommandDefinition(HousekeepingSql.Load, new { SweepId = sweepId },
                work.Transaction, cancellationToken: token));
            work.Audit(new AuditAppend(actor, AuditAction, "sweep", sweepId.ToString(), null, new
            {
                sweepId,
                inboxDeleted = run.InboxDeleted,
                rejectionBodiesCut = run.RejectionsCut,
                outboxDeadDeleted = run.OutboxDeadDeleted,
                inboxBefore = DateTime.SpecifyKind(run.InboxBefore, DateTimeKind.Utc),
                rejectionsBefore = DateTime.SpecifyKind(run.RejectionsBefore, DateTimeKind.Utc),
                outboxDeadBefore = DateTime.SpecifyKind(run.OutboxDeadBefore, DateTimeKind.Utc),
            }));
            await work.CommitAsync(now, token);
            logger.LogInformation("Housekeeping of sweep {SweepId}: {Inbox} inbox rows deleted, {Rejections} rejection bodies cut, {Dead} outbox dead letters deleted",
                sweepId, run.InboxDeleted, run.RejectionsCut, run.OutboxDeadDeleted);
            return run;
        }, cancellationToken).AsTask();
}
