using Dapper;
using Npgsql;

namespace ModelRegistry.Promotion;

/// <summary>A version's current stage and since when; a version the promotion module never moved is <c>registered</c>.</summary>
public sealed record VersionStageRow(Guid VersionId, string Stage, DateTime? Since);

/// <summary>The read side of <c>registry.version_stages</c> (<c>mreg models show</c>, <c>mreg versions show</c>).</summary>
public static class StageQueries
{
    private const string StagesSql = """
        SELECT version_id AS VersionId, stage AS Stage, since AS Since
        FROM registry.version_stages WHERE version_id = ANY(@VersionIds)
        """;

    /// <summary>The stage of each of <paramref name="versionIds"/> (registered, without a date, when it never moved).</summary>
    public static async Task<IReadOnlyDictionary<Guid, VersionStageRow>> OfAsync(NpgsqlConnection connection, IReadOnlyCollection<Guid> versionIds,
        CancellationToken ct)
    {
        var found = (await connection.QueryAsync<VersionStageRow>(new CommandDefinition(StagesSql, new { VersionIds = versionIds.ToArray() },
            cancellationToken: ct))).ToDictionary(s => s.VersionId);
        return versionIds.ToDictionary(id => id, id => found.TryGetValue(id, out var s) ? s : new VersionStageRow(id, "registered", null));
    }
}
