using Dapper;
using MassTransit;
using Microsoft.Extensions.Logging;
using ModelRegistry.Contracts.Retention;
using ModelRegistry.Platform;
using ModelRegistry.Platform.Artifacts;
using ModelRegistry.Platform.Audit;
using ModelRegistry.Platform.Identity;
using ModelRegistry.Retention.Rules;
using Npgsql;

namespace ModelRegistry.Retention;

/// <summary>
/// Carries out one archive action of a sweep (docs/retention.md, "Actions"), once per action id: only from the registry's own
/// principal and only for an action a sweep recorded; with the closure's model rows locked, every keep rule is checked again
/// (<see cref="RetentionRecheck.Archive"/>); then the version's objects move to the archive tier (before the commit: a crash
/// after the move redoes it, which finds them moved) and the version is recorded archived, in one unit of work with the
/// inbox mark, the action's status, <see cref="ModelVersionArchived"/> and the retention.archived audit record. A version
/// kept since the plan is skipped: <see cref="RetentionActionSkipped"/> and retention.skipped, with the keep rule.
/// </summary>
public sealed class ArchiveModelVersionConsumer(NpgsqlDataSource dataSource, IArtifactStore artifacts, RetentionPolicy policy, AccessPolicy access,
    IMessagePrincipal principals, TimeProvider clock, ILogger<ArchiveModelVersionConsumer> logger) : IConsumer<ArchiveModelVersion>
{
    public const string Consumer = "retention-archive";

    public async Task Consume(ConsumeContext<ArchiveModelVersion> context)
    {
        var m = context.Message;
        if (m.ActionId == Guid.Empty || m.VersionId == Guid.Empty) throw new InvalidMessageException("actionId and versionId are required");
        var principal = principals.SenderOf(context);
        if (RetentionActions.Sender(principal, access, nameof(ArchiveModelVersion)) is { } refused)
        {
            await RetentionActions.RefuseAsync(dataSource, principal, PlannedAction.Archive, m.ActionId, m.VersionId, m.SweepId, m.ModelName, refused,
                clock.GetUtcNow(), context.CancellationToken);
            logger.LogWarning("Refused ArchiveModelVersion {Action} from {Principal}: {Reason}", m.ActionId, principal ?? "(none)", refused.Message);
            return;
        }

        await DatabaseResilience.Pipeline.ExecuteAsync(async token =>
        {
            var now = clock.GetUtcNow();
            await using var work = await UnitOfWork.BeginAsync(dataSource, token);
            if (!await work.TryMarkInboxAsync(m.ActionId, Consumer, token))
            {
                logger.LogInformation("Archive action {ActionId} was already carried out", m.ActionId);
                return;
            }
            var row = await RetentionActions.ActionAsync(work, m.ActionId, token);
            if (RetentionActions.Mismatch(row, m.ActionId, m.VersionId, PlannedAction.Archive) is { } unknown)
            {
                work.Audit(RetentionActions.Refused(principal, PlannedAction.Archive, m.ActionId, m.VersionId, m.SweepId, m.ModelName, unknown));
                await work.CommitAsync(now, token);
                logger.LogWarning("Refused ArchiveModelVersion {Action}: {Reason}", m.ActionId, unknown.Message);
                return;
            }
            if (row!.Status != "planned") return;

            var closure = await RetentionActions.LockedClosureAsync(work, m.VersionId, token);
            var decision = RetentionRecheck.Archive(closure, policy, now, m.VersionId);
            if (!decision.Proceed)
            {
                await RetentionActions.SkipAsync(work, row, PlannedAction.Archive, decision.KeptBy!, decision.Version, m.ModelName, m.Version, now, token);
                await work.CommitAsync(now, token);
                logger.LogInformation("Archive of {Model}/{Version} skipped: {KeptBy}", decision.Version?.ModelName, decision.Version?.Version, decision.KeptBy);
                return;
            }

            var version = decision.Version!;
            var objects = RetentionRecheck.DistinctObjects([version]);
            await RetentionActions.LockObjectsAsync(work, objects, token);
            var moved = await work.Connection.ExecuteScalarAsync<long>(new CommandDefinition(RetentionActionSql.BytesToMove, new { m.VersionId },
                work.Transaction, cancellationToken: token));
            foreach (var o in objects) await artifacts.ArchiveAsync(o.Sha256, o.Size, token);

            var rule = decision.Action!.Rule;
            await work.Connection.ExecuteAsync(new CommandDefinition(RetentionActionSql.InsertArchived,
                new { m.VersionId, At = now, Rule = rule, row.SweepId }, work.Transaction, cancellationToken: token));
            await work.Connection.ExecuteAsync(new CommandDefinition(RetentionActionSql.MarkDone, new { m.ActionId, At = now }, work.Transaction,
                cancellationToken: token));
            work.Publish(new ModelVersionArchived
            {
                ActionId = m.ActionId, SweepId = row.SweepId, VersionId = m.VersionId, ModelName = version.ModelName, Version = version.Version,
                Rule = rule, BytesMoved = moved, ArchivedAt = now,
            });
            work.Audit(new AuditAppend(RetentionActions.AuditActor, "retention.archived", "model_version", $"{version.ModelName}/{version.Version}",
                version.ModelName, new
                {
                    actionId = m.ActionId, sweepId = row.SweepId, versionId = m.VersionId, version = version.Version, rule, bytesMoved = moved,
                    objects = objects.Count, sentBy = principal,
                }));
            await work.CommitAsync(now, token);
            logger.LogInformation("Archived {Model}/{Version} by rule {Rule}: {Bytes} bytes moved", version.ModelName, version.Version, rule, moved);
        }, context.CancellationToken);
    }
}
