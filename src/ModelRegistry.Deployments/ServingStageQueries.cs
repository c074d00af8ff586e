using Dapper;
using ModelRegistry.Contracts.Deployments;
using ModelRegistry.Deployments.Rules;
using Npgsql;

namespace ModelRegistry.Deployments;

/// <summary>
/// The stage of versions as the environment policy reads it: registry.version_stages (the promotion worker's table,
/// read directly; no row: registered) and registry.stage_changes (retired by a rollback).
/// </summary>
public static class ServingStageQueries
{
    public const string StagesOf = """
        SELECT v.version_id AS VersionId, coalesce(s.stage, 'registered') AS Stage
        FROM unnest(@ids::uuid[]) AS v(version_id) LEFT JOIN registry.version_stages s USING (version_id)
        """;

    private const string AdmissionColumns = """
        SELECT v.version_id AS VersionId, m.name AS ModelName, v.version AS Version, v.manifest_digest AS Digest,
               coalesce(s.stage, 'registered') AS Stage,
               EXISTS (SELECT 1 FROM registry.stage_changes c WHERE c.model_id = v.model_id AND c.version_id = v.version_id
                       AND c.cause = 'rollback' AND c.to_stage = 'retired') AS RolledBack
        FROM registry.model_versions v JOIN registry.models m USING (model_id)
        LEFT JOIN registry.version_stages s ON s.version_id = v.version_id
        """;

    public const string AdmissionByName = AdmissionColumns + "\nWHERE m.name = @name AND v.version = @version";

    // A digest registered twice belongs to its first version, as in the deployment history (DeploymentSql.VersionsByDigest).
    public const string AdmissionByDigest = AdmissionColumns + "\nWHERE v.manifest_digest = @digest ORDER BY v.registered_at LIMIT 1";

    /// <summary>The stage of each version (registered when it has no row).</summary>
    public static async Task<Dictionary<Guid, string>> StageOfAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction,
        IReadOnlyCollection<Guid> versionIds, CancellationToken token)
    {
        if (versionIds.Count == 0) return [];
        var rows = await connection.QueryAsync<(Guid VersionId, string Stage)>(new CommandDefinition(StagesOf, new { ids = versionIds.ToArray() },
            transaction, cancellationToken: token));
        return rows.ToDictionary(r => r.VersionId, r => r.Stage);
    }

    /// <summary>The version an admission request names: by name and version when given, else by digest. One query.</summary>
    public static async Task<AdmissionVersion?> AdmissionVersionAsync(NpgsqlDataSource dataSource, CheckDeploymentAdmission request,
        CancellationToken token)
    {
        ArgumentNullException.ThrowIfNull(dataSource);
        ArgumentNullException.ThrowIfNull(request);
        await using var connection = await dataSource.OpenConnectionAsync(token);
        var command = request.ModelName is not null
            ? new CommandDefinition(AdmissionByName, new { name = request.ModelName, version = request.Version }, cancellationToken: token)
            : new CommandDefinition(AdmissionByDigest, new { digest = request.ManifestDigest }, cancellationToken: token);
        return await connection.QuerySingleOrDefaultAsync<AdmissionVersion>(command);
    }
}
