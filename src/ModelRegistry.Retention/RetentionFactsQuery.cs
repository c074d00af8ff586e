using System.Data;
using ModelRegistry.Retention.Rules;
using Npgsql;

namespace ModelRegistry.Retention;

/// <summary>
/// Reads what <see cref="RetentionPlanner"/> decides on: every version with its model, age, rank in its model, stage
/// history, whether it serves now, open promotions, legal holds, base version, objects and retention state. For a
/// sweep's plan, the whole registry as flat scans joined in memory (<c>AllAsync</c>, <see cref="RetentionFactsReader"/>);
/// for an action's re-check, one statement over the versions that could keep it (<see cref="ClosureAsync"/>: its
/// descendants and the versions sharing an object with it, repeatedly), read inside the action's transaction.
/// </summary>
public static class RetentionFactsQuery
{
    // SCOPE: the versions wanted (all, or the closure); the *_FILTER tokens restrict each part to them (true for all, so
    // a whole-registry read is plain scans and hash joins). Ranks are computed over every version of the models concerned.
    // What serves now and what is held are found from the open intervals and open holds (few) and hash-joined to the
    // versions: an OR in a correlated subquery would probe an index once per version. They are joined, not tested with
    // IN (subquery), which PostgreSQL hashes only when it estimates the subquery fits work_mem (else it scans it once per
    // version: at a million versions the read ran for minutes).
    private const string FactsSql = """
        WITH scope AS (SCOPE),
        ranked AS (
            SELECT mv.version_id, mv.model_id, mv.version, mv.manifest_digest, mv.registered_at,
                   row_number() OVER (PARTITION BY mv.model_id ORDER BY mv.version DESC) AS newest_rank
            FROM registry.model_versions mv
            WHERE MODEL_FILTER),
        stages AS (
            SELECT version_id, bool_or(to_stage = 'production') AS ever_production,
                   bool_or(to_stage IN ('shadow', 'canary', 'production', 'retired')) AS ever_beyond_staging
            FROM registry.stage_changes WHERE VERSION_FILTER GROUP BY version_id),
        serving AS (
            SELECT i.version_id FROM registry.deployment_intervals i WHERE upper_inf(i.served) AND i.version_id IS NOT NULL
            UNION
            SELECT r.version_id FROM registry.deployment_intervals i JOIN ranked r ON r.manifest_digest = i.manifest_digest
            WHERE upper_inf(i.served)),
        held AS (
            SELECT r.version_id FROM registry.legal_holds h
            JOIN ranked r ON r.model_id = h.model_id AND (h.version_id IS NULL OR h.version_id = r.version_id)
            WHERE h.released_at IS NULL),
        objects AS (
            SELECT version_id, array_agg(sha256 ORDER BY path) AS shas, array_agg(size ORDER BY path) AS sizes
            FROM registry.artifact_files WHERE VERSION_FILTER GROUP BY version_id)
        SELECT r.version_id, m.name, r.version, m.owner_team, m.model_id, r.registered_at, r.newest_rank,
               coalesce(s.ever_production, false), coalesce(s.ever_beyond_staging, false),
               sv.version_id IS NOT NULL,
               EXISTS (SELECT 1 FROM registry.promotions p WHERE p.model_name = m.name AND p.version = r.version
                       AND p.state IN ('AwaitingEvaluations', 'AwaitingApproval')),
               hd.version_id IS NOT NULL,
               l.base_version_id, o.shas, o.sizes, vr.state, vr.archived_at
        FROM ranked r
        JOIN registry.models m ON m.model_id = r.model_id
        LEFT JOIN stages s ON s.version_id = r.version_id
        LEFT JOIN objects o ON o.version_id = r.version_id
        LEFT JOIN registry.lineage l ON l.version_id = r.version_id
        LEFT JOIN registry.version_retention vr ON vr.version_id = r.version_id
        LEFT JOIN (SELECT DISTINCT version_id FROM serving) sv ON sv.version_id = r.version_id
        LEFT JOIN (SELECT DISTINCT version_id FROM held) hd ON hd.version_id = r.version_id
        WHERE RANKED_FILTER
        ORDER BY m.name COLLATE "C", r.version
        """;

    // The versions whose keeping could keep $1: those built on it (lineage) and those sharing an object with it, repeatedly.
    private const string ClosureScope = """
        WITH RECURSIVE closure(version_id) AS (
            SELECT $1::uuid
            UNION
            SELECT x.version_id FROM closure c
            CROSS JOIN LATERAL (
                SELECT l.version_id FROM registry.lineage l WHERE l.base_version_id = c.version_id
                UNION
                SELECT f2.version_id FROM registry.artifact_files f1
                JOIN registry.artifact_files f2 ON f2.sha256 = f1.sha256
                WHERE f1.version_id = c.version_id) x)
        SELECT version_id FROM closure
        """;

    private static readonly string ClosureSql = FactsSql.Replace("SCOPE", ClosureScope, StringComparison.Ordinal)
        .Replace("MODEL_FILTER", "mv.model_id IN (SELECT model_id FROM registry.model_versions WHERE version_id IN (SELECT version_id FROM scope))",
            StringComparison.Ordinal)
        .Replace("VERSION_FILTER", "version_id IN (SELECT version_id FROM scope)", StringComparison.Ordinal)
        .Replace("RANKED_FILTER", "r.version_id IN (SELECT version_id FROM scope)", StringComparison.Ordinal);

    private const string TagsSql = """
        SELECT model_id, key, value FROM registry.model_tags
        WHERE $1::uuid[] IS NULL OR model_id = ANY($1)
        """;

    /// <summary>Every version of the registry, read on two connections of <paramref name="dataSource"/> at once in one snapshot (the fastest way; <see cref="RetentionFactsReader"/>).</summary>
    public static Task<List<VersionFacts>> AllAsync(NpgsqlDataSource dataSource, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(dataSource);
        return RetentionFactsReader.ReadAsync(dataSource, ct);
    }

    /// <summary>Every version of the registry, by model name and version (<see cref="RetentionFactsReader"/>: flat scans joined in memory).</summary>
    public static async Task<List<VersionFacts>> AllAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(connection);
        return await RetentionFactsReader.ReadAsync(connection, transaction, ct);
    }

    /// <summary>The version and every version whose keeping could keep it (with their facts); empty when it does not exist.</summary>
    public static async Task<List<VersionFacts>> ClosureAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, Guid versionId, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(connection);
        return await ReadAsync(connection, transaction, ClosureSql, versionId, ct);
    }

    private static async Task<List<VersionFacts>> ReadAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, string sql, Guid? versionId,
        CancellationToken ct)
    {
        // One snapshot for the facts and the tags. JIT off: the whole-registry read is plain scans and hash joins, where
        // compiling its expressions costs seconds (retention benchmark) and saves less.
        await using var own = transaction is null ? await connection.BeginTransactionAsync(IsolationLevel.RepeatableRead, ct) : null;
        transaction ??= own;
        await using (var jitOff = new NpgsqlCommand("SET LOCAL jit = off", connection, transaction)) await jitOff.ExecuteNonQueryAsync(ct);
        var rows = new List<(VersionFacts Facts, Guid ModelId)>();
        await using (var command = new NpgsqlCommand(sql, connection, transaction))
        {
            // A whole registry of a million versions takes seconds, more than the 30 s default on a loaded machine.
            if (versionId is { } id) command.Parameters.Add(new() { Value = id });
            else command.CommandTimeout = 0;
            await using var reader = await command.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct))
            {
                var shas = reader.IsDBNull(13) ? [] : reader.GetFieldValue<string[]>(13);
                var sizes = reader.IsDBNull(14) ? [] : reader.GetFieldValue<long[]>(14);
                var objects = new ObjectRef[shas.Length];
                for (var i = 0; i < shas.Length; i++) objects[i] = new(shas[i], sizes[i]);
                rows.Add((new VersionFacts(
                    reader.GetGuid(0), reader.GetString(1), reader.GetInt32(2), reader.GetString(3), Empty,
                    reader.GetFieldValue<DateTimeOffset>(5), (int)reader.GetInt64(6), reader.GetBoolean(7), reader.GetBoolean(8),
                    reader.GetBoolean(9), reader.GetBoolean(10), reader.GetBoolean(11),
                    reader.IsDBNull(12) ? null : reader.GetGuid(12), objects,
                    reader.IsDBNull(15) ? RetentionState.Stored : StateOf(reader.GetString(15)),
                    reader.IsDBNull(16) ? null : reader.GetFieldValue<DateTimeOffset>(16)), reader.GetGuid(4)));
            }
        }
        var models = rows.Select(r => r.ModelId).Distinct().ToArray();
        var tags = new Dictionary<Guid, Dictionary<string, string>>();
        await using (var command = new NpgsqlCommand(TagsSql, connection, transaction))
        {
            command.Parameters.Add(new() { Value = versionId is null ? DBNull.Value : models, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Array | NpgsqlTypes.NpgsqlDbType.Uuid });
            await using var reader = await command.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct))
            {
                var model = reader.GetGuid(0);
                if (!tags.TryGetValue(model, out var map)) tags[model] = map = new(StringComparer.Ordinal);
                map[reader.GetString(1)] = reader.GetString(2);
            }
        }
        if (own is not null) await own.CommitAsync(ct);
        return rows.Select(r => tags.TryGetValue(r.ModelId, out var map) ? r.Facts with { ModelTags = map } : r.Facts).ToList();
    }

    private static readonly IReadOnlyDictionary<string, string> Empty = new Dictionary<string, string>();

    public static RetentionState StateOf(string state) => state switch
    {
        "archived" => RetentionState.Archived,
        "deleting" => RetentionState.Deleting,
        "deleted" => RetentionState.Deleted,
        _ => throw new InvalidOperationException($"unknown retention state '{state}'"),
    };
}
