namespace ModelRegistry.Deployments;

/// <summary>Shadow triage's reads and writes (registry.shadow_sightings, registry.shadow_triage).</summary>
internal static class ShadowTriageSql
{
    public const string Sighted = "SELECT EXISTS (SELECT 1 FROM registry.shadow_sightings WHERE manifest_digest = @digest)";

    // One row per digest: a later triage replaces the earlier one (each is in the audit log).
    public const string Upsert = """
        INSERT INTO registry.shadow_triage AS t (manifest_digest, status, model_name, owner, register_by, version_id, reason, triaged_by,
            triaged_at, request_id)
        VALUES (@Digest, @Status, @ModelName, @Owner, @RegisterBy, @VersionId, @Reason, @TriagedBy, @TriagedAt, @RequestId)
        ON CONFLICT (manifest_digest) DO UPDATE SET
            status = EXCLUDED.status, model_name = EXCLUDED.model_name, owner = EXCLUDED.owner, register_by = EXCLUDED.register_by,
            version_id = EXCLUDED.version_id, reason = EXCLUDED.reason, triaged_by = EXCLUDED.triaged_by,
            triaged_at = EXCLUDED.triaged_at, request_id = EXCLUDED.request_id
        """;
}
