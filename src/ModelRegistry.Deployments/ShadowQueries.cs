using Dapper;
using Npgsql;

namespace ModelRegistry.Deployments;

// A class with setters, not a positional record: Dapper matches a constructor by exact column types, and text[] comes as Array.
/// <summary>A shadow model as <c>mreg shadow list</c> shows it: where it was seen, how much it serves, its triage.</summary>
public sealed class ShadowModelSummary
{
    public string ManifestDigest { get; set; } = "";
    public string[] Endpoints { get; set; } = [];
    public string[] Environments { get; set; } = [];
    public long ServingNow { get; set; }
    public DateTime FirstSeenAt { get; set; }
    public DateTime LastSeenAt { get; set; }
    public double MaxTrafficPercent { get; set; }
    public string? ReportedNames { get; set; }
    public string? RegisteredAs { get; set; }
    public string? TriageStatus { get; set; }
    public string? TriageModel { get; set; }
    public string? Owner { get; set; }
    public DateTime? RegisterBy { get; set; }
    public string? Reason { get; set; }
    public string? TriagedBy { get; set; }
    public DateTime? TriagedAt { get; set; }
}

/// <summary>A triage request's outcome as the audit log keeps it (what <c>mreg shadow adopt | dismiss</c> reads when it missed the event).</summary>
public sealed record ShadowTriageRecord(string Action, string? Outcome, string? ReasonCode, string? Message);

/// <summary>Read-only queries over shadow sightings and their triage.</summary>
public static class ShadowQueries
{
    private const string List = """
        WITH seen AS (
            SELECT manifest_digest,
                   array_agg(endpoint_id ORDER BY endpoint_id) AS endpoints,
                   array_agg(DISTINCT environment ORDER BY environment) AS environments,
                   min(first_seen_at) AS first_seen_at, max(last_seen_at) AS last_seen_at, max(traffic_percent) AS traffic,
                   string_agg(DISTINCT reported_name, ', ') AS reported_names
            FROM registry.shadow_sightings GROUP BY manifest_digest)
        SELECT seen.manifest_digest AS ManifestDigest, seen.endpoints AS Endpoints, seen.environments AS Environments,
               (SELECT count(*) FROM registry.deployment_intervals i WHERE i.manifest_digest = seen.manifest_digest AND upper_inf(i.served)) AS ServingNow,
               seen.first_seen_at AS FirstSeenAt, seen.last_seen_at AS LastSeenAt, seen.traffic AS MaxTrafficPercent, seen.reported_names AS ReportedNames,
               r.registered AS RegisteredAs, t.status AS TriageStatus, t.model_name AS TriageModel, t.owner AS Owner, t.register_by AS RegisterBy,
               t.reason AS Reason, t.triaged_by AS TriagedBy, t.triaged_at AS TriagedAt
        FROM seen
        LEFT JOIN registry.shadow_triage t USING (manifest_digest)
        LEFT JOIN LATERAL (
            SELECT m.name || '/' || v.version AS registered FROM registry.model_versions v JOIN registry.models m USING (model_id)
            WHERE v.manifest_digest = seen.manifest_digest ORDER BY v.registered_at LIMIT 1) r ON true
        WHERE @all OR (r.registered IS NULL AND (t.status IS NULL OR (t.status = 'adopted' AND t.version_id IS NULL)))
        ORDER BY seen.first_seen_at, seen.manifest_digest
        """;

    // recorded_at bounds the scan to the audit log's index: the request was sent after `since`.
    private const string Triage = """
        SELECT action AS Action, details->>'outcome' AS Outcome, details->>'reasonCode' AS ReasonCode,
               coalesce(details->>'message', details->>'reason') AS Message
        FROM registry.audit_log
        WHERE recorded_at >= @since AND action IN ('shadow.adopted', 'shadow.dismissed', 'shadow.refused') AND details->>'requestId' = @id
        ORDER BY sequence LIMIT 1
        """;

    /// <summary>
    /// Shadow models, oldest first: by default those still to act on (untriaged, or adopted and not registered yet);
    /// <paramref name="all"/> adds dismissed, linked and since-registered ones.
    /// </summary>
    public static async Task<IReadOnlyList<ShadowModelSummary>> ListAsync(NpgsqlConnection connection, bool all, CancellationToken ct) =>
        (await connection.QueryAsync<ShadowModelSummary>(new CommandDefinition(List, new { all }, cancellationToken: ct))).ToList();

    public static Task<ShadowTriageRecord?> FindTriageAsync(NpgsqlConnection connection, Guid requestId, DateTimeOffset since, CancellationToken ct) =>
        connection.QuerySingleOrDefaultAsync<ShadowTriageRecord>(new CommandDefinition(Triage,
            new { id = requestId.ToString("D"), since = since.UtcDateTime }, cancellationToken: ct));
}
