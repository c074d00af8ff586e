using Dapper;
using Npgsql;

namespace ModelRegistry.Deployments;

/// <summary>
/// An interval of the history that covers the instant asked, with the registered version it served when there is one:
/// the interval's own, or (for an interval recorded before its digest was registered) the version registered with that
/// digest, or by that name and version, since.
/// </summary>
public sealed record ServedAtInstant(string DeploymentId, string Environment, DateTime From, DateTime? To, double TrafficPercent, string Source,
    string? ClosedBy, string? ManifestDigest, string? ReportedName, int? ReportedVersion, Guid? VersionId, string? ModelName, int? Version,
    string? VersionDigest);

/// <summary>One step of a version's base model chain: depth 1 is the model it was fine-tuned from, 2 that one's base, and so on.</summary>
public sealed record BaseModelLink(int Depth, string ModelName, int Version, Guid VersionId, string ManifestDigest, string? TrainingRunId,
    string? TrainingRunUrl, string? CodeRepository, string? CodeCommit);

/// <summary>A data set a base model of the chain was trained on.</summary>
public sealed record BaseDataset(Guid VersionId, string Name, string Version, string Digest);

/// <summary>A promotion of the version (any outcome).</summary>
public sealed record VersionPromotion(Guid PromotionId, string State, string? FromStage, string TargetStage, string RequestedBy, string Reason,
    string? ChangeTicket, DateTime RequestedAt, DateTime? FinishedAt, string? OutcomeCode);

/// <summary>A counted approval decision on a promotion of the version, as the promotion saga kept it (registry.promotions.votes).</summary>
public sealed record ApprovalRecord(Guid PromotionId, string TargetStage, string? ChangeTicket, string Approver, string Role, bool Approved,
    string Integration, string TicketId, string Comment, DateTime DecidedAt);

/// <summary>A stage change of the version (registry.stage_changes).</summary>
public sealed record StageChange(string FromStage, string ToStage, DateTime ChangedAt, string Cause, Guid CauseId, string Actor);

/// <summary>What the deployments worker adds to a version's record for <c>mreg reproduce</c>: bases, approvals, stages.</summary>
public sealed record VersionProvenance(IReadOnlyList<BaseModelLink> BaseModels, IReadOnlyList<BaseDataset> BaseDatasets,
    IReadOnlyList<VersionPromotion> Promotions, IReadOnlyList<ApprovalRecord> Approvals, IReadOnlyList<StageChange> StageChanges);

/// <summary>
/// The read side of <c>mreg reproduce</c>: what served on an endpoint at an instant (one probe of the GiST index on
/// (endpoint_id, served)), and the record of a version that other workers keep. The tables of other workers are read
/// directly (a module references no other module); the CLI composes these with the registration and evaluation queries.
/// </summary>
public static class ProvenanceQueries
{
    /// <summary>Bounds the base chain walk; registration makes cycles impossible (a base is registered first), this is a guard.</summary>
    public const int MaxBaseDepth = 100;

    private const string ServedAtSql = """
        SELECT environment FROM registry.endpoints WHERE endpoint_id = @Endpoint;

        SELECT i.deployment_id AS DeploymentId, i.environment AS Environment, lower(i.served) AS From, upper(i.served) AS To,
               i.traffic_percent AS TrafficPercent, i.source AS Source, i.closed_by AS ClosedBy, i.manifest_digest AS ManifestDigest,
               i.model_name AS ReportedName, i.version AS ReportedVersion, r.version_id AS VersionId, r.name AS ModelName,
               r.version AS Version, r.manifest_digest AS VersionDigest
        FROM registry.deployment_intervals i
        LEFT JOIN LATERAL (
            SELECT v.version_id, m.name, v.version, v.manifest_digest
            FROM registry.model_versions v JOIN registry.models m USING (model_id)
            WHERE v.version_id = i.version_id
               OR (i.version_id IS NULL AND i.manifest_digest IS NOT NULL AND v.manifest_digest = i.manifest_digest)
               OR (i.version_id IS NULL AND i.manifest_digest IS NULL AND m.name = i.model_name AND v.version = i.version)
            ORDER BY v.registered_at, v.version_id
            LIMIT 1) r ON true
        WHERE i.endpoint_id = @Endpoint AND i.served @> @At
        ORDER BY i.traffic_percent DESC, i.deployment_id
        """;

    private const string VersionSql = """
        WITH RECURSIVE chain AS (
            SELECT l.base_version_id AS version_id, 1 AS depth
            FROM registry.lineage l WHERE l.version_id = @VersionId AND l.base_version_id IS NOT NULL
            UNION ALL
            SELECT l.base_version_id, c.depth + 1
            FROM chain c JOIN registry.lineage l ON l.version_id = c.version_id
            WHERE l.base_version_id IS NOT NULL AND c.depth < @MaxDepth
        )
        SELECT c.depth AS Depth, m.name AS ModelName, v.version AS Version, v.version_id AS VersionId, v.manifest_digest AS ManifestDigest,
               l.training_run_id AS TrainingRunId, l.training_run_url AS TrainingRunUrl, l.code_repository AS CodeRepository, l.code_commit AS CodeCommit
        FROM chain c JOIN registry.model_versions v ON v.version_id = c.version_id JOIN registry.models m USING (model_id)
        LEFT JOIN registry.lineage l ON l.version_id = c.version_id
        ORDER BY c.depth;

        SELECT promotion_id AS PromotionId, state AS State, from_stage AS FromStage, target_stage AS TargetStage, requested_by AS RequestedBy,
               reason AS Reason, change_ticket AS ChangeTicket, requested_at AS RequestedAt, finished_at AS FinishedAt, outcome_code AS OutcomeCode
        FROM registry.promotions WHERE model_name = @Name AND version = @Version
        ORDER BY requested_at, promotion_id;

        -- The votes the saga counted, as it stored them (camelCase JSON, docs/promotion.md); refused decisions are not approvals.
        SELECT p.promotion_id AS PromotionId, p.target_stage AS TargetStage, p.change_ticket AS ChangeTicket, v.approver AS Approver,
               v.role AS Role, v.approved AS Approved, v.integration AS Integration, v."ticketId" AS TicketId, coalesce(v.comment, '') AS Comment,
               v."decidedAt" AS DecidedAt
        FROM registry.promotions p,
             jsonb_to_recordset(p.votes) AS v(approver text, role text, approved boolean, integration text, "ticketId" text, comment text,
                                              "decidedAt" timestamptz)
        WHERE p.model_name = @Name AND p.version = @Version
        ORDER BY v."decidedAt", p.promotion_id, v.approver;

        SELECT from_stage AS FromStage, to_stage AS ToStage, changed_at AS ChangedAt, cause AS Cause, cause_id AS CauseId, actor AS Actor
        FROM registry.stage_changes WHERE version_id = @VersionId ORDER BY change_id;
        """;

    private const string BaseDatasetsSql = """
        SELECT version_id AS VersionId, name AS Name, version AS Version, digest AS Digest
        FROM registry.lineage_datasets WHERE version_id = ANY(@VersionIds) ORDER BY version_id, name, version
        """;

    /// <summary>The endpoint's environment (null when the registry never heard of it) and what served on it at <paramref name="at"/>, largest share first.</summary>
    public static async Task<(string? Environment, IReadOnlyList<ServedAtInstant> Served)> ServedAtAsync(NpgsqlConnection connection, string endpoint,
        DateTimeOffset at, CancellationToken ct)
    {
        await using var results = await connection.QueryMultipleAsync(new CommandDefinition(ServedAtSql,
            new { Endpoint = endpoint, At = at.ToUniversalTime() }, cancellationToken: ct));
        var environment = await results.ReadSingleOrDefaultAsync<string?>();
        return (environment, (await results.ReadAsync<ServedAtInstant>()).ToList());
    }

    /// <summary>The version's base model chain with the bases' data sets, its promotions and approvals, and its stage changes.</summary>
    public static async Task<VersionProvenance> OfVersionAsync(NpgsqlConnection connection, Guid versionId, string name, int version, CancellationToken ct)
    {
        await using var results = await connection.QueryMultipleAsync(new CommandDefinition(VersionSql,
            new { VersionId = versionId, Name = name, Version = version, MaxDepth = MaxBaseDepth }, cancellationToken: ct));
        var bases = (await results.ReadAsync<BaseModelLink>()).ToList();
        var promotions = (await results.ReadAsync<VersionPromotion>()).ToList();
        var approvals = (await results.ReadAsync<ApprovalRecord>()).ToList();
        var stages = (await results.ReadAsync<StageChange>()).ToList();
        var datasets = bases.Count == 0 ? [] : (await connection.QueryAsync<BaseDataset>(new CommandDefinition(BaseDatasetsSql,
            new { VersionIds = bases.Select(b => b.VersionId).ToArray() }, cancellationToken: ct))).ToList();
        return new VersionProvenance(bases, datasets, promotions, approvals, stages);
    }
}
