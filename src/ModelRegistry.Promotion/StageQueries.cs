using Dapper;
using Npgsql;

namespace ModelRegistry.Promotion;

/// <summary>A version's current stage and since when; a version the promotion module never moved is <c>registered</c>.</summary>
public sealed record VersionStageRow(Guid VersionId, string Stage, DateTime? Since);

/// <summary>One version that holds a stage beyond <c>registered</c> and short of <c>retired</c>.</summary>
public sealed record ModelStageRow(Guid ModelId, int Version, string Stage);

/// <summary>The read side of <c>registry.version_stages</c> (<c>mreg models list</c>, <c>mreg models show</c>, <c>mreg versions show</c>).</summary>
public static class StageQueries
{
    private const string StagesSql = """
        SELECT version_id AS VersionId, stage AS Stage, since AS Since
        FROM registry.version_stages WHERE version_id = ANY(@VersionIds)
        """;

    private const string HeldStagesSql = """
        SELECT model_id AS ModelId, version AS Version, stage AS Stage
        FROM registry.version_stages
        WHERE model_id = ANY(@ModelIds) AND stage NOT IN ('registered', 'retired')
        ORDER BY model_id, version
        """;

    /// <summary>For each of <paramref name="modelIds"/>, the versions now in staging, shadow, canary or production, by version.</summary>
    public static async Task<ILookup<Guid, ModelStageRow>> HeldByModelAsync(NpgsqlConnection connection, IReadOnlyCollection<Guid> modelIds,
        CancellationToken ct) =>
        (await connection.QueryAsync<ModelStageRow>(new CommandDefinition(HeldStagesSql, new { ModelIds = modelIds.ToArray() },
            cancellationToken: ct))).ToLookup(s => s.ModelId);

    /// <summary>The stage of each of <paramref name="versionIds"/> (registered, without a date, when it never moved).</summary>
    public static async Task<IReadOnlyDictionary<Guid, VersionStageRow>> OfAsync(NpgsqlConnection connection, IReadOnlyCollection<Guid> versionIds,
        CancellationToken ct)
    {
        var found = (await connection.QueryAsync<VersionStageRow>(new CommandDefinition(StagesSql, new { VersionIds = versionIds.ToArray() },
            cancellationToken: ct))).ToDictionary(s => s.VersionId);
        return versionIds.ToDictionary(id => id, id => found.TryGetValue(id, out var s) ? s : new VersionStageRow(id, "registered", null));
    }
}
