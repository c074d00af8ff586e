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
/// Carries out one delete action of a sweep (docs/retention.md, "Actions") in three steps, so that a deletion once begun is
/// always finished and never half-recorded:
/// <list type="number">
/// <item>decide: with the closure's model rows locked, every keep rule is checked again (<see cref="RetentionRecheck.Delete"/>);
/// if the version is still deletable, it and every archived version sharing an object with it (deleting the object takes
/// their bytes too; the re-check makes sure each is deletable) are set to <c>deleting</c>, committed on its own;</item>
/// <item>delete the archive copy of each of their objects (never a primary copy);</item>
/// <item>record, in one unit of work: the inbox mark, a tombstone per file of each of those versions, state <c>deleted</c>,
/// the action done, <see cref="ArchivedArtifactDeleted"/> and retention.deleted.</item>
/// </list>
/// A delivery that finds the version <c>deleting</c> (a crash after step 1) resumes at step 2 without deciding again.
/// </summary>
public sealed class DeleteArchivedArtifactConsumer(NpgsqlDataSource dataSource, IArtifactStore artifacts, RetentionPolicy policy, AccessPolicy access,
    IMessagePrincipal principals, TimeProvider clock, ILogger<DeleteArchivedArtifactConsumer> logger) : IConsumer<DeleteArchivedArtifact>
{
    public const string Consumer = "retention-delete";

    public async Task Consume(ConsumeContext<DeleteArchivedArtifact> context)
    {
        var m = context.Message;
        if (m.ActionId == Guid.Empty || m.VersionId == Guid.Empty) throw new InvalidMessageException("actionId and versionId are required");
        var principal = principals.SenderOf(context);
        if (RetentionActions.Sender(principal, access, nameof(DeleteArchivedArtifact)) is { } refused)
        {
            await RetentionActions.RefuseAsync(dataSource, principal, PlannedAction.Delete, m.ActionId, m.VersionId, m.SweepId, m.ModelName, refused,
                clock.GetUtcNow(), context.CancellationToken);
            logger.LogWarning("Refused DeleteArchivedArtifact {Action} from {Principal}: {Reason}", m.ActionId, principal ?? "(none)", refused.Message);
            return;
        }

        var doomed = await DatabaseResilience.Pipeline.ExecuteAsync(token => DecideAsync(m, principal, token), context.CancellationToken);
        if (doomed is null) return;
        foreach (var o in RetentionRecheck.DistinctObjects(doomed)) await artifacts.DeleteArchivedAsync(o.Sha256, context.CancellationToken);
        await DatabaseResilience.Pipeline.ExecuteAsync(token => RecordAsync(m, principal, doomed, token), context.CancellationToken);
    }

    /// <summary>Step 1: the versions whose objects go (this one first among them), or null when there is nothing (more) to do.</summary>
    private async ValueTask<IReadOnlyList<VersionFacts>?> DecideAsync(DeleteArchivedArtifact m, string? principal, CancellationToken token)
    {
        var now = clock.GetUtcNow();
        await using var work = await UnitOfWork.BeginAsync(dataSource, token);
        if (await work.Connection.ExecuteScalarAsync<bool>(new CommandDefinition(RetentionActionSql.InboxMarked, new { m.ActionId, Consumer },
                work.Transaction, cancellationToken: token)))
        {
            logger.LogInformation("Delete action {ActionId} was already carried out", m.ActionId);
            return null;
        }
        var row = await RetentionActions.ActionAsync(work, m.ActionId, token);
        if (RetentionActions.Mismatch(row, m.ActionId, m.VersionId, PlannedAction.Delete) is { } unknown)
        {
            if (!await work.TryMarkInboxAsync(m.ActionId, Consumer, token)) return null;
            work.Audit(RetentionActions.Refused(principal, PlannedAction.Delete, m.ActionId, m.VersionId, m.SweepId, m.ModelName, unknown));
            await work.CommitAsync(now, token);
            logger.LogWarning("Refused DeleteArchivedArtifact {Action}: {Reason}", m.ActionId, unknown.Message);
            return null;
        }
        if (row!.Status != "planned") return null;

        var closure = await RetentionActions.LockedClosureAsync(work, m.VersionId, token);
        if (RetentionRecheck.Resumes(closure, m.VersionId))
            return RetentionRecheck.SharingComponent(closure, m.VersionId).Where(v => v.State == RetentionState.Deleting).ToList();

        var decision = RetentionRecheck.Delete(closure, policy, now, m.VersionId);
        if (!decision.Proceed)
        {
            if (!await work.TryMarkInboxAsync(m.ActionId, Consumer, token)) return null;
            await RetentionActions.SkipAsync(work, row, PlannedAction.Delete, decision.KeptBy!, decision.Version, m.ModelName, m.Version, now, token);
            await work.CommitAsync(now, token);
            logger.LogInformation("Delete of {Model}/{Version} skipped: {KeptBy}", decision.Version?.ModelName, decision.Version?.Version, decision.KeptBy);
            return null;
        }

        var doomed = RetentionRecheck.SharingComponent(closure, m.VersionId);
        var plan = RetentionPlanner.Plan(closure, policy, now);
        var rules = doomed.Select(v => plan.ActionFor(v.VersionId)?.Rule ?? decision.Action!.Rule).ToArray();
        await work.Connection.ExecuteAsync(new CommandDefinition(RetentionActionSql.MarkDeleting,
            new { Ids = doomed.Select(v => v.VersionId).ToArray(), Rules = rules, row.SweepId }, work.Transaction, cancellationToken: token));
        await work.CommitAsync(now, token);
        return doomed;
    }

    /// <summary>Step 3: tombstones, state deleted, the action done, the event and the audit record, once.</summary>
    private async ValueTask RecordAsync(DeleteArchivedArtifact m, string? principal, IReadOnlyList<VersionFacts> doomed, CancellationToken token)
    {
        var now = clock.GetUtcNow();
        await using var work = await UnitOfWork.BeginAsync(dataSource, token);
        if (!await work.TryMarkInboxAsync(m.ActionId, Consumer, token)) return;
        var row = await RetentionActions.ActionAsync(work, m.ActionId, token);
        if (row is null || row.Status != "planned") return;
        var version = doomed.Single(v => v.VersionId == m.VersionId);
        var ids = (await work.Connection.QueryAsync<Guid>(new CommandDefinition(RetentionActionSql.LockDeleting,
            new { Ids = doomed.Select(v => v.VersionId).ToArray() }, work.Transaction, cancellationToken: token))).ToArray();
        if (!ids.Contains(m.VersionId))
        {
            // Another delivery (this version's, or a sharer's action) finished the set first.
            await RetentionActions.SkipAsync(work, row, PlannedAction.Delete, RetentionRecheck.AlreadyDeleted, version, m.ModelName, m.Version, now, token);
            await work.CommitAsync(now, token);
            return;
        }
        var freed = await work.Connection.ExecuteScalarAsync<long>(new CommandDefinition(RetentionActionSql.BytesToFree, new { Ids = ids },
            work.Transaction, cancellationToken: token));
        var files = await work.Connection.ExecuteAsync(new CommandDefinition(RetentionActionSql.InsertTombstones, new { Ids = ids, At = now, m.ActionId },
            work.Transaction, cancellationToken: token));
        await work.Connection.ExecuteAsync(new CommandDefinition(RetentionActionSql.MarkDeleted, new { Ids = ids, At = now }, work.Transaction,
            cancellationToken: token));
        await work.Connection.ExecuteAsync(new CommandDefinition(RetentionActionSql.MarkDone, new { m.ActionId, At = now }, work.Transaction,
            cancellationToken: token));
        work.Publish(new ArchivedArtifactDeleted
        {
            ActionId = m.ActionId, SweepId = row.SweepId, VersionId = m.VersionId, ModelName = version.ModelName, Version = version.Version,
            Rule = row.Rule, BytesFreed = freed, DeletedAt = now,
        });
        var alsoDeleted = doomed.Where(v => v.VersionId != m.VersionId && ids.Contains(v.VersionId)).Select(v => $"{v.ModelName}/{v.Version}").ToArray();
        work.Audit(new AuditAppend(RetentionActions.AuditActor, "retention.deleted", "model_version", $"{version.ModelName}/{version.Version}",
            version.ModelName, new
            {
                actionId = m.ActionId, sweepId = row.SweepId, versionId = m.VersionId, version = version.Version, rule = row.Rule, bytesFreed = freed,
                tombstones = files, alsoDeleted, sentBy = principal,
            }));
        await work.CommitAsync(now, token);
        logger.LogInformation("Deleted the archived bytes of {Model}/{Version} by rule {Rule}: {Bytes} bytes freed, {Files} tombstones", version.ModelName,
            version.Version, row.Rule, freed, files);
    }
}
