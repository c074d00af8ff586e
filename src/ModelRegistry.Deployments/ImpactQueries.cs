using Dapper;
using ModelRegistry.Deployments.Rules;
using Npgsql;

namespace ModelRegistry.Deployments;

/// <summary>
/// A version built from what an impact query names. Depth 0: trained on the data set or at the commit itself; depth n:
/// fine-tuned, n base models removed, from such a version (or, for a base model query, from the model named).
/// <see cref="BaseModelName"/> and <see cref="BaseVersion"/>: the version it was fine-tuned from directly.
/// </summary>
public sealed record ImpactedVersion(Guid VersionId, string ModelName, int Version, string ManifestDigest, int Depth, string? BaseModelName,
    int? BaseVersion, string Stage);

/// <summary>An open interval of the history: where a version serves now.</summary>
public sealed record ServingNow(Guid VersionId, string EndpointId, string Environment, string DeploymentId, double TrafficPercent, DateTime Since,
    string Source);

/// <summary>The answer to an impact query: how many versions the target names itself, and everything built from them.</summary>
public sealed record ImpactAnswer(int Roots, IReadOnlyList<ImpactedVersion> Versions, IReadOnlyList<ServingNow> Serving);

/// <summary>
/// <c>mreg impact</c> (docs/deployments.md, "Incident queries"): the versions built from a data set, a commit or a base
/// model, transitively through base models (a recursive walk of registry.lineage.base_version_id), each with its stage and
/// the endpoints serving it now (open intervals of registry.deployment_intervals).
/// </summary>
public static class ImpactQueries
{
    // The roots are the versions the target names itself: trained on the data set (its digest, its name, or its name and
    // version), or at the commit (abbreviated either way), or the base model's versions. The walk finds each version built
    // from a root once, at its shortest distance; a base model query leaves the roots out (it asks what was built from the
    // model, not where the model itself is). One row even when nothing matched, to count the roots.
    private const string WalkSql = """
        WITH RECURSIVE roots AS (
            SELECT version_id FROM registry.lineage_datasets
            WHERE @Kind = 'dataset' AND (digest = @Text OR name = @Text OR (name = @Name AND version = @DatasetVersion))
            UNION
            SELECT version_id FROM registry.lineage
            WHERE @Kind = 'commit' AND (lower(code_commit) LIKE @Text || '%' OR @Text LIKE lower(code_commit) || '%')
            UNION
            SELECT v.version_id FROM registry.model_versions v JOIN registry.models m USING (model_id)
            WHERE @Kind = 'base' AND m.name = @Name AND (@ModelVersion::int IS NULL OR v.version = @ModelVersion)
        ),
        built AS (
            SELECT version_id, 0 AS depth FROM roots
            UNION
            SELECT l.version_id, b.depth + 1 FROM built b JOIN registry.lineage l ON l.base_version_id = b.version_id
            WHERE b.depth < @MaxDepth
        ),
        nearest AS (
            SELECT version_id, min(depth) AS depth FROM built GROUP BY version_id HAVING min(depth) >= @MinDepth
        )
        SELECT c.roots AS Roots, n.version_id AS VersionId, m.name AS ModelName, v.version AS Version, v.manifest_digest AS ManifestDigest,
               n.depth AS Depth, l.base_model_name AS BaseModelName, l.base_model_version AS BaseVersion, coalesce(s.stage, 'registered') AS Stage
        FROM (SELECT count(*)::int AS roots FROM roots) c
        LEFT JOIN nearest n ON true
        LEFT JOIN registry.model_versions v ON v.version_id = n.version_id
        LEFT JOIN registry.models m ON m.model_id = v.model_id
        LEFT JOIN registry.lineage l ON l.version_id = n.version_id
        LEFT JOIN registry.version_stages s ON s.version_id = n.version_id
        ORDER BY n.depth, m.name, v.version
        """;

    // An interval recorded before its digest was registered has no version id; its digest still names the version.
    private const string ServingSql = """
        SELECT coalesce(i.version_id, v.version_id) AS VersionId, i.endpoint_id AS EndpointId, i.environment AS Environment,
               i.deployment_id AS DeploymentId, i.traffic_percent AS TrafficPercent, lower(i.served) AS Since, i.source AS Source
        FROM registry.deployment_intervals i
        LEFT JOIN registry.model_versions v ON i.version_id IS NULL AND v.manifest_digest = i.manifest_digest AND v.version_id = ANY(@VersionIds)
        WHERE upper_inf(i.served)
          AND (i.version_id = ANY(@VersionIds) OR (i.version_id IS NULL AND i.manifest_digest = ANY(@Digests)))
        ORDER BY i.environment, i.endpoint_id, i.traffic_percent DESC
        """;

    public static async Task<ImpactAnswer> FindAsync(NpgsqlConnection connection, ImpactTarget target, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(target);
        var rows = (await connection.QueryAsync<WalkRow>(new CommandDefinition(WalkSql, new
        {
            Kind = target.Kind switch { ImpactKind.Dataset => "dataset", ImpactKind.Commit => "commit", _ => "base" },
            target.Text, target.Name, DatasetVersion = target.Version, target.ModelVersion, MaxDepth = ProvenanceQueries.MaxBaseDepth,
            MinDepth = target.Kind == ImpactKind.BaseModel ? 1 : 0,
        }, cancellationToken: ct))).ToList();
        var versions = rows.Where(r => r.VersionId is not null).Select(r => new ImpactedVersion(r.VersionId!.Value, r.ModelName!, r.Version!.Value,
            r.ManifestDigest!, r.Depth!.Value, r.BaseModelName, r.BaseVersion, r.Stage)).ToList();
        var serving = versions.Count == 0 ? [] : (await connection.QueryAsync<ServingNow>(new CommandDefinition(ServingSql, new
        {
            VersionIds = versions.Select(v => v.VersionId).ToArray(),
            Digests = versions.Select(v => v.ManifestDigest).Distinct().ToArray(),
        }, cancellationToken: ct))).ToList();
        return new ImpactAnswer(rows[0].Roots, versions, serving);
    }

    private sealed record WalkRow(int Roots, Guid? VersionId, string? ModelName, int? Version, string? ManifestDigest, int? Depth,
        string? BaseModelName, int? BaseVersion, string Stage);
}
