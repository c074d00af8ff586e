namespace ModelRegistry.Retention;

/// <summary>Legal holds' writes and the reads they decide on (registry.legal_holds, migration 0019).</summary>
internal static class LegalHoldSql
{
    // FOR UPDATE: retention actions hold the model row FOR SHARE while they re-check, so a hold and an action serialize.
    public const string LockModel = "SELECT model_id FROM registry.models WHERE name = @name FOR UPDATE";

    public const string VersionOf = "SELECT version_id FROM registry.model_versions WHERE model_id = @modelId AND version = @version";

    // The hold id is the request id: a request replayed after its inbox row was pruned inserts nothing.
    public const string Insert = """
        INSERT INTO registry.legal_holds (hold_id, model_id, version_id, reason, placed_by, placed_at)
        VALUES (@holdId, @modelId, @versionId, @reason, @placedBy, @placedAt)
        ON CONFLICT (hold_id) DO NOTHING
        """;

    // Locks the hold's model like placing does, then the hold.
    public const string LockHold = """
        SELECT h.hold_id AS HoldId, h.model_id AS ModelId, m.name AS ModelName, v.version AS Version, h.released_at IS NOT NULL AS Released,
               h.released_by AS ReleasedBy, h.released_at AS ReleasedAt
        FROM registry.legal_holds h
        JOIN registry.models m ON m.model_id = h.model_id
        LEFT JOIN registry.model_versions v ON v.version_id = h.version_id
        WHERE h.hold_id = @holdId
        FOR UPDATE OF m, h
        """;

    public const string Release = """
        UPDATE registry.legal_holds SET released_by = @by, released_at = @at, release_reason = @reason
        WHERE hold_id = @holdId AND released_at IS NULL
        """;
}
