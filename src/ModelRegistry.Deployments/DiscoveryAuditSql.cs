namespace ModelRegistry.Deployments;

/// <summary>The discovery audit's reads and writes (migration 0011_deployments.sql).</summary>
internal static class DiscoveryAuditSql
{
    public const string LatestRun = "SELECT max(started_at) FROM registry.discovery_audits";

    // Each endpoint with the number of intervals open on it (one pass over the partial index of open intervals).
    public const string Endpoints = """
        SELECT e.endpoint_id AS EndpointId, e.environment AS Environment, e.last_event_at AS LastEventAt, e.last_reported_at AS LastReportedAt,
               coalesce(o.serving, 0)::int AS Serving
        FROM registry.endpoints e
        LEFT JOIN (SELECT endpoint_id, count(*) AS serving FROM registry.deployment_intervals WHERE upper_inf(served) GROUP BY endpoint_id) o
            USING (endpoint_id)
        """;

    // Open intervals of no registered version (checked again: a version registered since the interval was written counts),
    // except digests triaged as dismissed. A digest-less interval names its unregistered model and version instead.
    public const string UnregisteredServing = """
        SELECT DISTINCT i.endpoint_id AS EndpointId, coalesce(i.manifest_digest, i.model_name || ' v' || i.version) AS Subject
        FROM registry.deployment_intervals i
        WHERE upper_inf(i.served) AND i.version_id IS NULL
          AND NOT EXISTS (SELECT 1 FROM registry.model_versions v WHERE v.manifest_digest = i.manifest_digest)
          AND NOT EXISTS (SELECT 1 FROM registry.model_versions v JOIN registry.models m USING (model_id)
                          WHERE i.manifest_digest IS NULL AND m.name = i.model_name AND v.version = i.version)
          AND NOT EXISTS (SELECT 1 FROM registry.shadow_triage t WHERE t.manifest_digest = i.manifest_digest AND t.status = 'dismissed')
        ORDER BY 1, 2
        """;

    public const string RetiredServing = """
        SELECT DISTINCT i.endpoint_id AS EndpointId, m.name AS ModelName, v.version AS Version
        FROM registry.deployment_intervals i
        JOIN registry.model_versions v ON v.version_id = i.version_id OR (i.version_id IS NULL AND v.manifest_digest = i.manifest_digest)
        JOIN registry.models m ON m.model_id = v.model_id
        JOIN registry.version_stages s ON s.version_id = v.version_id AND s.stage = 'retired'
        WHERE upper_inf(i.served)
        ORDER BY 1, 2, 3
        """;

    // FOR UPDATE: an acknowledgement committing meanwhile waits for this run, then acknowledges (late) what it raised.
    public const string PastDue = """
        SELECT instruction_id AS InstructionId, cause AS Cause, model_name AS ModelName, version AS Version, manifest_digest AS Digest,
               issued_at AS IssuedAt, due_at AS DueAt, violation_raised_at AS ViolationRaisedAt
        FROM registry.deploy_instructions
        WHERE acknowledged_at IS NULL AND due_at <= @now
        ORDER BY due_at, instruction_id
        FOR UPDATE
        """;

    public const string MarkRaised = """
        UPDATE registry.deploy_instructions SET violation_raised_at = @now WHERE instruction_id = ANY(@ids) AND violation_raised_at IS NULL
        """;

    public const string InsertRun = """
        INSERT INTO registry.discovery_audits (audit_id, started_at, completed_at, summary) VALUES (@id, @started, @completed, @summary::jsonb)
        ON CONFLICT (audit_id) DO NOTHING
        """;

    // An interval recorded before a version with its digest was registered names no version until its endpoint's next
    // event rebuilds it; each run links them, so "registered or not" is never older than one audit.
    public const string LinkRegistered = """
        UPDATE registry.deployment_intervals i SET version_id = v.version_id, model_name = v.model_name, version = v.version
        FROM (SELECT DISTINCT ON (mv.manifest_digest) mv.manifest_digest, mv.version_id, m.name AS model_name, mv.version
              FROM registry.model_versions mv JOIN registry.models m USING (model_id)
              WHERE mv.manifest_digest IN (SELECT manifest_digest FROM registry.deployment_intervals
                                           WHERE version_id IS NULL AND manifest_digest IS NOT NULL)
              ORDER BY mv.manifest_digest, mv.registered_at) v
        WHERE i.version_id IS NULL AND i.manifest_digest = v.manifest_digest
        """;

    // What serves now, for the policy check: a version retired, or moved to a stage its environment does not allow,
    // after it was deployed breaks the policy too.
    public const string OpenIntervals = """
        SELECT endpoint_id AS EndpointId, environment AS Environment, deployment_id AS DeploymentId, version_id AS VersionId,
               model_name AS ModelName, version AS Version, manifest_digest AS Digest, traffic_percent AS Traffic,
               lower(served) AS FromAt, source AS Source
        FROM registry.deployment_intervals WHERE upper_inf(served)
        ORDER BY endpoint_id, deployment_id
        """;
}
