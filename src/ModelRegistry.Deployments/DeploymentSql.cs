namespace ModelRegistry.Deployments;

/// <summary>The deployments worker's writes (migration 0011_deployments.sql).</summary>
internal static class DeploymentSql
{
    // The endpoint's row is the lock every writer of its history takes first (held to the commit). Its environment is
    // that of its latest event by event time (ties: the greater name), whatever order they arrive in; the history's
    // intervals take it.
    public const string UpsertEndpoint = """
        INSERT INTO registry.endpoints AS e (endpoint_id, environment, platform, first_seen_at, last_event_at, last_reported_at)
        VALUES ($1, $2, $3, $4, $4, $5)
        ON CONFLICT (endpoint_id) DO UPDATE SET
            environment = CASE WHEN (EXCLUDED.last_event_at, EXCLUDED.environment) >= (e.last_event_at, e.environment)
                               THEN EXCLUDED.environment ELSE e.environment END,
            platform = coalesce(EXCLUDED.platform, e.platform),
            first_seen_at = least(e.first_seen_at, EXCLUDED.first_seen_at),
            last_event_at = greatest(e.last_event_at, EXCLUDED.last_event_at),
            last_reported_at = greatest(e.last_reported_at, EXCLUDED.last_reported_at)
        RETURNING environment
        """;

    // Taken before the upsert moves it: the environment a report about a known endpoint must be allowed (DeploymentRules.RecordedEnvironment).
    public const string EnvironmentOfEndpoint = "SELECT environment FROM registry.endpoints WHERE endpoint_id = @endpoint FOR UPDATE";

    public const string InsertEvent = """
        INSERT INTO registry.deployment_events (event_key, endpoint_id, deployment_id, kind, at, environment, model_name, version,
            manifest_digest, traffic_percent, instruction_id, actor, details, message_id, recorded_at)
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13::jsonb, $14, $15)
        ON CONFLICT (event_key) DO NOTHING
        """;

    public const string EventsOfEndpoint = """
        SELECT event_key AS Key, kind AS Kind, deployment_id AS DeploymentId, at AS At, model_name AS ModelName, version AS Version,
               manifest_digest AS Digest, traffic_percent AS Traffic, details::text AS Details
        FROM registry.deployment_events WHERE endpoint_id = @endpoint
        """;

    public const string DeleteIntervals = "DELETE FROM registry.deployment_intervals WHERE endpoint_id = $1";

    public const string InsertIntervals = """
        INSERT INTO registry.deployment_intervals (endpoint_id, environment, deployment_id, version_id, model_name, version,
            manifest_digest, traffic_percent, served, source, closed_by)
        SELECT $1, $2, d, v, n, ver, g, t, tstzrange(f, u, '[)'), s, c
        FROM unnest($3::text[], $4::uuid[], $5::text[], $6::int[], $7::text[], $8::float8[], $9::timestamptz[], $10::timestamptz[],
                    $11::text[], $12::text[]) AS x(d, v, n, ver, g, t, f, u, s, c)
        """;

    public const string VersionsByDigest = """
        SELECT DISTINCT ON (v.manifest_digest) v.manifest_digest AS Digest, v.version_id AS VersionId, m.name AS ModelName, v.version AS Version
        FROM registry.model_versions v JOIN registry.models m USING (model_id)
        WHERE v.manifest_digest = ANY(@digests)
        ORDER BY v.manifest_digest, v.registered_at
        """;

    public const string VersionByName = """
        SELECT v.manifest_digest AS Digest, v.version_id AS VersionId, m.name AS ModelName, v.version AS Version
        FROM registry.model_versions v JOIN registry.models m USING (model_id)
        WHERE m.name = @name AND v.version = @version
        """;

    // xmax = 0: the row was inserted now, not updated: the first sighting, announced once.
    public const string UpsertSighting = """
        INSERT INTO registry.shadow_sightings AS s (endpoint_id, manifest_digest, environment, reported_name, traffic_percent,
            first_seen_at, last_seen_at, detected_at)
        VALUES ($1, $2, $3, $4, $5, $6, $6, $7)
        ON CONFLICT (endpoint_id, manifest_digest) DO UPDATE SET
            first_seen_at = least(s.first_seen_at, EXCLUDED.first_seen_at),
            last_seen_at = greatest(s.last_seen_at, EXCLUDED.last_seen_at),
            traffic_percent = CASE WHEN EXCLUDED.last_seen_at >= s.last_seen_at THEN EXCLUDED.traffic_percent ELSE s.traffic_percent END
        RETURNING (xmax = 0) AS inserted
        """;

    public const string InsertRejection = """
        INSERT INTO registry.rejections (kind, message_id, subject, reason_code, reason, payload)
        VALUES ('deployment', $1, $2, $3, $4, $5::jsonb)
        """;
}
