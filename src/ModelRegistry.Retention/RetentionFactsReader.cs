using System.Data;
using ModelRegistry.Retention.Rules;
using Npgsql;

namespace ModelRegistry.Retention;

/// <summary>
/// The whole registry's facts for a sweep's plan, read as flat scans of each table in one snapshot and joined here:
/// PostgreSQL then only streams rows (no aggregation of two million file rows into arrays, no window over every version,
/// no sort), and the joins are dictionary lookups. At a million versions this is several times faster than the one
/// statement <see cref="RetentionFactsQuery.ClosureAsync"/> still uses for a closure's few versions (docs/retention.md,
/// "Performance"). Versions come out by model name (ordinal) and version, the planner's own order.
/// </summary>
internal static class RetentionFactsReader
{
    private const string ModelsSql = "SELECT model_id, name, owner_team FROM registry.models";
    private const string TagsSql = "SELECT model_id, key, value FROM registry.model_tags";
    private const string VersionsSql = "SELECT version_id, model_id, version, manifest_digest, registered_at FROM registry.model_versions";
    private const string StagesSql = """
        SELECT DISTINCT version_id, to_stage = 'production' FROM registry.stage_changes
        WHERE to_stage IN ('shadow', 'canary', 'production', 'retired')
        """;
    private const string ServingSql = "SELECT version_id, manifest_digest FROM registry.deployment_intervals WHERE upper_inf(served)";
    private const string PromotionsSql = "SELECT model_name, version FROM registry.promotions WHERE state IN ('AwaitingEvaluations', 'AwaitingApproval')";
    private const string HoldsSql = "SELECT model_id, version_id FROM registry.legal_holds WHERE released_at IS NULL";
    private const string LineageSql = "SELECT version_id, base_version_id FROM registry.lineage WHERE base_version_id IS NOT NULL";
    private const string RetentionSql = "SELECT version_id, state, archived_at FROM registry.version_retention";
    private const string FilesSql = "SELECT version_id, sha256, size FROM registry.artifact_files";

    private static readonly IReadOnlyDictionary<string, string> NoTags = new Dictionary<string, string>();

    /// <summary>On one connection, in the caller's transaction or a snapshot of its own.</summary>
    public static async Task<List<VersionFacts>> ReadAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, CancellationToken ct)
    {
        await using var own = transaction is null ? await connection.BeginTransactionAsync(IsolationLevel.RepeatableRead, ct) : null;
        transaction ??= own;
        var files = await ScanFilesAsync(connection, transaction, ct);
        var rest = await ScanRestAsync(connection, transaction, ct);
        if (own is not null) await own.CommitAsync(ct);
        return Assemble(rest, files);
    }

    /// <summary>
    /// On two connections at once that share one snapshot (<c>pg_export_snapshot</c>): the artifact files, most of the
    /// rows, stream on one while the other tables stream on the other, so the database and this process both use both cores.
    /// </summary>
    public static async Task<List<VersionFacts>> ReadAsync(NpgsqlDataSource dataSource, CancellationToken ct)
    {
        await using var first = await dataSource.OpenConnectionAsync(ct);
        await using var second = await dataSource.OpenConnectionAsync(ct);
        await using var one = await first.BeginTransactionAsync(IsolationLevel.RepeatableRead, ct);
        string snapshot;
        await using (var export = new NpgsqlCommand("SELECT pg_export_snapshot()", first, one)) snapshot = (string)(await export.ExecuteScalarAsync(ct))!;
        await using var two = await second.BeginTransactionAsync(IsolationLevel.RepeatableRead, ct);
        await using (var import = new NpgsqlCommand($"SET TRANSACTION SNAPSHOT '{snapshot.Replace("'", "''", StringComparison.Ordinal)}'", second, two))
            await import.ExecuteNonQueryAsync(ct);
        var files = Task.Run(() => ScanFilesAsync(second, two, ct), ct);
        var rest = await ScanRestAsync(first, one, ct);
        var read = await files;
        await one.CommitAsync(ct);
        await two.CommitAsync(ct);
        return Assemble(rest, read);
    }

    private sealed record Tables(
        Dictionary<Guid, (string Name, string Team)> Models,
        Dictionary<Guid, Dictionary<string, string>> Tags,
        List<(Guid Id, Guid Model, int Version, string Digest, DateTimeOffset RegisteredAt)> Versions,
        HashSet<Guid> BeyondStaging, HashSet<Guid> Production, HashSet<Guid> ServingVersions, HashSet<string> ServingDigests,
        HashSet<(string, int)> Promoting, HashSet<Guid> HeldModels, HashSet<Guid> HeldVersions, Dictionary<Guid, Guid> Bases,
        Dictionary<Guid, (RetentionState State, DateTimeOffset ArchivedAt)> States);

    private static async Task<Dictionary<Guid, List<ObjectRef>>> ScanFilesAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction,
        CancellationToken ct)
    {
        var files = new Dictionary<Guid, List<ObjectRef>>();
        var shas = new Dictionary<string, string>(StringComparer.Ordinal);
        await ScanAsync(connection, transaction, FilesSql, r =>
        {
            var version = r.GetGuid(0);
            var sha = r.GetString(1);
            // One string per distinct object: most of a registry's memory would otherwise be repeated digests.
            if (!shas.TryGetValue(sha, out var interned)) shas[sha] = interned = sha;
            if (!files.TryGetValue(version, out var list)) files[version] = list = new(2);
            list.Add(new ObjectRef(interned, r.GetInt64(2)));
        }, ct);
        return files;
    }

    private static async Task<Tables> ScanRestAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, CancellationToken ct)
    {
        var models = new Dictionary<Guid, (string Name, string Team)>();
        await ScanAsync(connection, transaction, ModelsSql, r => models[r.GetGuid(0)] = (r.GetString(1), r.GetString(2)), ct);
        var tags = new Dictionary<Guid, Dictionary<string, string>>();
        await ScanAsync(connection, transaction, TagsSql, r =>
        {
            var model = r.GetGuid(0);
            if (!tags.TryGetValue(model, out var map)) tags[model] = map = new(StringComparer.Ordinal);
            map[r.GetString(1)] = r.GetString(2);
        }, ct);
        var versions = new List<(Guid Id, Guid Model, int Version, string Digest, DateTimeOffset RegisteredAt)>();
        await ScanAsync(connection, transaction, VersionsSql,
            r => versions.Add((r.GetGuid(0), r.GetGuid(1), r.GetInt32(2), r.GetString(3), r.GetFieldValue<DateTimeOffset>(4))), ct);
        var beyondStaging = new HashSet<Guid>();
        var production = new HashSet<Guid>();
        await ScanAsync(connection, transaction, StagesSql, r =>
        {
            beyondStaging.Add(r.GetGuid(0));
            if (r.GetBoolean(1)) production.Add(r.GetGuid(0));
        }, ct);
        var servingVersions = new HashSet<Guid>();
        var servingDigests = new HashSet<string>(StringComparer.Ordinal);
        await ScanAsync(connection, transaction, ServingSql, r =>
        {
            if (!r.IsDBNull(0)) servingVersions.Add(r.GetGuid(0));
            if (!r.IsDBNull(1)) servingDigests.Add(r.GetString(1));
        }, ct);
        var promoting = new HashSet<(string, int)>();
        await ScanAsync(connection, transaction, PromotionsSql, r => promoting.Add((r.GetString(0), r.GetInt32(1))), ct);
        var heldModels = new HashSet<Guid>();
        var heldVersions = new HashSet<Guid>();
        await ScanAsync(connection, transaction, HoldsSql, r =>
        {
            if (r.IsDBNull(1)) heldModels.Add(r.GetGuid(0));
            else heldVersions.Add(r.GetGuid(1));
        }, ct);
        var bases = new Dictionary<Guid, Guid>();
        await ScanAsync(connection, transaction, LineageSql, r => bases[r.GetGuid(0)] = r.GetGuid(1), ct);
        var states = new Dictionary<Guid, (RetentionState State, DateTimeOffset ArchivedAt)>();
        await ScanAsync(connection, transaction, RetentionSql,
            r => states[r.GetGuid(0)] = (RetentionFactsQuery.StateOf(r.GetString(1)), r.GetFieldValue<DateTimeOffset>(2)), ct);
        return new(models, tags, versions, beyondStaging, production, servingVersions, servingDigests, promoting, heldModels, heldVersions, bases, states);
    }

    private static List<VersionFacts> Assemble(Tables t, Dictionary<Guid, List<ObjectRef>> files)
    {
        var (models, tags, versions, beyondStaging, production, servingVersions, servingDigests, promoting, heldModels, heldVersions, bases, states) =
            (t.Models, t.Tags, t.Versions, t.BeyondStaging, t.Production, t.ServingVersions, t.ServingDigests, t.Promoting, t.HeldModels, t.HeldVersions,
                t.Bases, t.States);

        // Rank in the model: 1 for its highest version number.
        var ranks = new Dictionary<Guid, int>(versions.Count);
        foreach (var group in versions.GroupBy(v => v.Model))
        {
            var rank = 0;
            foreach (var v in group.OrderByDescending(v => v.Version)) ranks[v.Id] = ++rank;
        }
        var facts = new List<VersionFacts>(versions.Count);
        foreach (var v in versions)
        {
            var (name, team) = models[v.Model];
            var state = states.TryGetValue(v.Id, out var s) ? s : (RetentionState.Stored, default);
            facts.Add(new VersionFacts(
                v.Id, name, v.Version, team, tags.TryGetValue(v.Model, out var map) ? map : NoTags, v.RegisteredAt, ranks[v.Id],
                production.Contains(v.Id), beyondStaging.Contains(v.Id),
                servingVersions.Contains(v.Id) || servingDigests.Contains(v.Digest),
                promoting.Contains((name, v.Version)),
                heldModels.Contains(v.Model) || heldVersions.Contains(v.Id),
                bases.TryGetValue(v.Id, out var b) ? b : null,
                files.TryGetValue(v.Id, out var objects) ? objects : [],
                state.State, state.State == RetentionState.Stored ? null : state.ArchivedAt));
        }
        facts.Sort((a, b) =>
        {
            var byName = string.CompareOrdinal(a.ModelName, b.ModelName);
            return byName != 0 ? byName : a.Version.CompareTo(b.Version);
        });
        return facts;
    }

    private static async Task ScanAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, string sql, Action<NpgsqlDataReader> row,
        CancellationToken ct)
    {
        await using var command = new NpgsqlCommand(sql, connection, transaction) { CommandTimeout = 0 };
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct)) row(reader);
    }
}
