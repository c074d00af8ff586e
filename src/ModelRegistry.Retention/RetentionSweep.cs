using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using ModelRegistry.Contracts.Retention;
using ModelRegistry.Platform;
using ModelRegistry.Platform.Audit;
using ModelRegistry.Platform.Outbox;
using ModelRegistry.Retention.Rules;
using Npgsql;
using NpgsqlTypes;

namespace ModelRegistry.Retention;

/// <summary>
/// Plans a sweep and hands out its actions: reads every version's facts (one snapshot), runs
/// <see cref="RetentionPlanner"/>, and in one transaction records the sweep and each action (registry.retention_sweeps, retention_actions), and
/// publishes one <see cref="ArchiveModelVersion"/> or <see cref="DeleteArchivedArtifact"/> per action through the outbox,
/// with <see cref="RetentionSweepPlanned"/> and the audit record <c>retention.planned</c>. A sweep id is planned once: a
/// redelivered or repeated request finds its sweep and does nothing, and each action runs once (its inbox), so a sweep
/// interrupted anywhere resumes where it stopped.
/// </summary>
public sealed class RetentionSweep(NpgsqlDataSource dataSource, RetentionPolicy policy, RetentionOptions options)
{
    public const string AuditActor = "retention";

    private const string InsertSweep = """
        INSERT INTO registry.retention_sweeps (sweep_id, requested_by, planned_at, policy, summary)
        VALUES ($1, $2, $3, $4::jsonb, $5::jsonb) ON CONFLICT DO NOTHING
        """;

    private const string InsertActions = """
        INSERT INTO registry.retention_actions (action_id, sweep_id, version_id, action, rule, bytes, status)
        SELECT a, $2, v, k, r, b, 'planned' FROM unnest($1::uuid[], $3::uuid[], $4::text[], $5::text[], $6::bigint[]) AS t(a, v, k, r, b)
        """;

    /// <summary>Plans sweep <paramref name="sweepId"/> for <paramref name="requestedBy"/> (a principal); null when it was planned before.</summary>
    public async Task<RetentionSweepPlanned?> PlanAsync(Guid sweepId, string requestedBy, DateTimeOffset now, CancellationToken ct)
    {
        // The facts are read first, in a snapshot of their own on two connections (the fastest read); the write transaction
        // stays short. Whatever changes after the snapshot is caught by each action's re-check.
        var facts = await RetentionFactsQuery.AllAsync(dataSource, ct);
        var plan = RetentionPlanner.Plan(facts, policy, now);
        await using var work = await UnitOfWork.BeginAsync(dataSource, ct);
        if (!await work.TryMarkInboxAsync(sweepId, RunRetentionSweepConsumer.Consumer, ct)) return null;
        var planned = Summary(sweepId, plan, requestedBy, now);
        await using (var insert = new NpgsqlCommand(InsertSweep, work.Connection, work.Transaction))
        {
            insert.Parameters.Add(new() { Value = sweepId });
            insert.Parameters.Add(new() { Value = requestedBy });
            insert.Parameters.Add(new() { Value = now });
            insert.Parameters.Add(new() { Value = JsonSerializer.Serialize(new { policyFile = options.PolicyFile, rules = policy.Rules }) });
            insert.Parameters.Add(new() { Value = JsonSerializer.Serialize(new { archive = planned.Archive, delete = planned.Delete, planned.BytesToArchive, planned.BytesToDelete, kept = planned.Kept }) });
            if (await insert.ExecuteNonQueryAsync(ct) == 0) return null;
        }
        var actions = plan.Archive.Concat(plan.Delete).ToList();
        if (actions.Count > 0)
        {
            await using var insert = new NpgsqlCommand(InsertActions, work.Connection, work.Transaction);
            insert.Parameters.Add(new() { Value = actions.Select(a => ActionIdOf(sweepId, a.VersionId, a.Action)).ToArray() });
            insert.Parameters.Add(new() { Value = sweepId });
            insert.Parameters.Add(new() { Value = actions.Select(a => a.VersionId).ToArray() });
            insert.Parameters.Add(new() { Value = actions.Select(a => a.Action).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
            insert.Parameters.Add(new() { Value = actions.Select(a => a.Rule).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
            insert.Parameters.Add(new() { Value = actions.Select(a => a.Bytes).ToArray() });
            await insert.ExecuteNonQueryAsync(ct);
        }
        foreach (var a in plan.Archive)
            work.Publish(OutboxEntry.For(new ArchiveModelVersion
            {
                ActionId = ActionIdOf(sweepId, a.VersionId, a.Action), SweepId = sweepId, VersionId = a.VersionId, ModelName = a.ModelName,
                Version = a.Version, Rule = a.Rule,
            }, ActionIdOf(sweepId, a.VersionId, a.Action)));
        foreach (var a in plan.Delete)
            work.Publish(OutboxEntry.For(new DeleteArchivedArtifact
            {
                ActionId = ActionIdOf(sweepId, a.VersionId, a.Action), SweepId = sweepId, VersionId = a.VersionId, ModelName = a.ModelName,
                Version = a.Version, Rule = a.Rule,
            }, ActionIdOf(sweepId, a.VersionId, a.Action)));
        work.Publish(planned);
        work.Audit(new AuditAppend(requestedBy, "retention.planned", "retention-sweep", sweepId.ToString("D"), null, new
        {
            sweepId, archive = planned.Archive, delete = planned.Delete, bytesToArchive = planned.BytesToArchive, bytesToDelete = planned.BytesToDelete,
            kept = planned.Kept,
        }));
        await work.CommitAsync(now, ct);
        return planned;
    }

    /// <summary>The event for a plan.</summary>
    public static RetentionSweepPlanned Summary(Guid sweepId, RetentionPlan plan, string? requestedBy, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(plan);
        return new()
        {
            SweepId = sweepId,
            Outcome = "planned",
            Message = $"{plan.Archive.Count} to archive ({plan.BytesToArchive} bytes), {plan.Delete.Count} to delete ({plan.BytesToDelete} bytes), {plan.Kept.Count} kept",
            Archive = plan.Archive.Count,
            Delete = plan.Delete.Count,
            BytesToArchive = plan.BytesToArchive,
            BytesToDelete = plan.BytesToDelete,
            Kept = plan.KeptCounts(),
            RequestedBy = requestedBy,
            PlannedAt = now,
        };
    }

    /// <summary>An action's id: the same for the same sweep, version and action, however often the sweep is planned.</summary>
    public static Guid ActionIdOf(Guid sweepId, Guid versionId, string action)
    {
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes($"retention|{sweepId:D}|{versionId:D}|{action}"));
        return new Guid(hash.AsSpan(0, 16));
    }
}
