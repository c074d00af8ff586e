namespace ModelRegistry.Deployments;

/// <summary>The inventory consumer's reads and bulk writes (migration 0011_deployments.sql).</summary>
internal static class InventorySql
{
    // One row per open interval of each endpoint (one row with null interval columns for an endpoint with none), with the
    // time of its latest stored event: a heartbeat not after it is recorded, not compared.
    public const string StateOfEndpoints = """
        SELECT e.endpoint_id AS EndpointId, e.environment AS Environment, e.last_reported_at AS LastReportedAt,
               (SELECT max(d.at) FROM registry.deployment_events d WHERE d.endpoint_id = e.endpoint_id) AS LastStoredEventAt,
               i.deployment_id AS DeploymentId, i.model_name AS ModelName, i.version AS Version, i.manifest_digest AS Digest,
               i.traffic_percent AS Traffic, lower(i.served) AS OpenedAt, i.source AS Source, i.version_id IS NOT NULL AS Registered
        FROM registry.endpoints e
        LEFT JOIN registry.deployment_intervals i ON i.endpoint_id = e.endpoint_id AND upper_inf(i.served)
        WHERE e.endpoint_id = ANY(@ids)
        """;

    // Unchanged heartbeats, one row per endpoint, sorted so that concurrent batches lock endpoint rows in one order. An
    // existing row moves only when the heartbeat is later by the granularity ($5): otherwise nothing is written.
    public const string TouchEndpoints = """
        INSERT INTO registry.endpoints AS e (endpoint_id, environment, platform, first_seen_at, last_event_at, last_reported_at)
        SELECT x.id, x.env, x.platform, x.at, x.at, x.at
        FROM unnest($1::text[], $2::text[], $3::text[], $4::timestamptz[]) AS x(id, env, platform, at)
        ORDER BY x.id
        ON CONFLICT (endpoint_id) DO UPDATE SET
            platform = coalesce(EXCLUDED.platform, e.platform),
            last_event_at = greatest(e.last_event_at, EXCLUDED.last_event_at),
            last_reported_at = EXCLUDED.last_reported_at
        WHERE e.last_reported_at IS NULL
           OR (EXCLUDED.last_reported_at > e.last_reported_at AND EXCLUDED.last_reported_at >= e.last_reported_at + $5::interval)
        """;

    // The unregistered digests those heartbeats still report: last seen moves on the same granularity.
    public const string TouchSightings = """
        UPDATE registry.shadow_sightings AS s SET last_seen_at = x.at
        FROM unnest($1::text[], $2::text[], $3::timestamptz[]) AS x(id, digest, at)
        WHERE s.endpoint_id = x.id AND s.manifest_digest = x.digest
          AND x.at > s.last_seen_at AND x.at >= s.last_seen_at + $4::interval
        """;
}
