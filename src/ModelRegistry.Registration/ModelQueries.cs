using Dapper;
using Npgsql;

namespace ModelRegistry.Registration;

/// <summary>One model in <c>mreg models list</c>.</summary>
public sealed record ModelSummary(Guid ModelId, string Name, string OwnerTeam, string RiskTier, int? LatestVersion, long VersionCount, DateTime UpdatedAt);

/// <summary>A model's own row.</summary>
public sealed record ModelRow(string Name, string OwnerTeam, string? Description, string RiskTier, DateTime CreatedAt, DateTime UpdatedAt);

/// <summary>One version of a model as registered (its stage is the promotion module's).</summary>
public sealed record RegisteredVersion(Guid VersionId, int Version, DateTime RegisteredAt, string ManifestDigest, string? TrainingRunId);

/// <summary>A model with its current labels and its versions.</summary>
public sealed record RegisteredModel(ModelRow Model, IReadOnlyDictionary<string, string> Tags, IReadOnlyList<RegisteredVersion> Versions);

/// <summary>The read side of the registration module's model tables (<c>mreg models</c>).</summary>
public static class ModelQueries
{
    // A model matches when none of the wanted labels is missing from its current labels.
    private const string ListSql = """
        SELECT m.model_id AS ModelId, m.name AS Name, m.owner_team AS OwnerTeam, m.risk_tier AS RiskTier,
               v.latest AS LatestVersion, v.count AS VersionCount, m.updated_at AS UpdatedAt
        FROM registry.models m
        CROSS JOIN LATERAL (SELECT max(version) AS latest, count(*) AS count
                            FROM registry.model_versions WHERE model_id = m.model_id) v
        WHERE (@Team::text IS NULL OR m.owner_team = @Team)
          AND NOT EXISTS (
              SELECT FROM unnest(@Keys::text[], @Values::text[]) AS wanted(key, value)
              WHERE NOT EXISTS (SELECT FROM registry.model_tags t
                                WHERE t.model_id = m.model_id AND t.key = wanted.key AND t.value = wanted.value))
        ORDER BY m.name
        """;

    private const string ShowSql = """
        SELECT name AS Name, owner_team AS OwnerTeam, description AS Description, risk_tier AS RiskTier,
               created_at AS CreatedAt, updated_at AS UpdatedAt
        FROM registry.models WHERE name = @Name;

        SELECT t.key AS Key, t.value AS Value
        FROM registry.model_tags t JOIN registry.models m USING (model_id)
        WHERE m.name = @Name ORDER BY t.key;

        SELECT v.version_id AS VersionId, v.version AS Version, v.registered_at AS RegisteredAt, v.manifest_digest AS ManifestDigest,
               l.training_run_id AS TrainingRunId
        FROM registry.model_versions v JOIN registry.models m USING (model_id)
        LEFT JOIN registry.lineage l USING (version_id)
        WHERE m.name = @Name ORDER BY v.version;
        """;

    private const string LatestVersionSql = """
        SELECT coalesce((SELECT max(version) FROM registry.model_versions v WHERE v.model_id = m.model_id), 0)
        FROM registry.models m WHERE m.name = @Name
        """;

    /// <summary>The model's latest version number (versions are numbered 1 to it without gaps), or null when there is no such model.</summary>
    public static Task<int?> LatestVersionAsync(NpgsqlConnection connection, string name, CancellationToken ct) =>
        connection.QuerySingleOrDefaultAsync<int?>(new CommandDefinition(LatestVersionSql, new { Name = name }, cancellationToken: ct));

    /// <summary>Models carrying every one of <paramref name="tags"/>, owned by <paramref name="team"/> when given, by name.</summary>
    public static async Task<IReadOnlyList<ModelSummary>> ListAsync(NpgsqlConnection connection, string? team,
        IReadOnlyList<KeyValuePair<string, string>> tags, CancellationToken ct) =>
        (await connection.QueryAsync<ModelSummary>(new CommandDefinition(ListSql, new
        {
            Team = team,
            Keys = tags.Select(t => t.Key).ToArray(),
            Values = tags.Select(t => t.Value).ToArray(),
        }, cancellationToken: ct))).ToList();

    public static async Task<RegisteredModel?> FindAsync(NpgsqlConnection connection, string name, CancellationToken ct)
    {
        await using var results = await connection.QueryMultipleAsync(new CommandDefinition(ShowSql, new { Name = name }, cancellationToken: ct));
        var model = await results.ReadSingleOrDefaultAsync<ModelRow>();
        if (model is null) return null;
        var tags = (await results.ReadAsync<TagRow>()).ToDictionary(t => t.Key, t => t.Value);
        var versions = (await results.ReadAsync<RegisteredVersion>()).ToList();
        return new RegisteredModel(model, tags, versions);
    }

    private sealed record TagRow(string Key, string Value);
}
