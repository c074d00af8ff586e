using ModelRegistry.Platform.Outbox;
using Npgsql;
using NpgsqlTypes;

namespace ModelRegistry.Registration;

/// <summary><see cref="RegistrationStore"/>'s statements: multi-row reads and writes over <c>unnest</c> arrays.</summary>
internal static class RegistrationSql
{
    public const string FindByKey = """
        SELECT v.version_id AS ModelVersionId, v.version AS Version, v.manifest_digest AS ManifestDigest,
               v.registered_at AS RegisteredAt, l.training_run_id AS TrainingRunId
        FROM registry.model_versions v JOIN registry.lineage l USING (version_id)
        JOIN registry.models m USING (model_id)
        WHERE m.name = @Name AND v.idempotency_key = @Key
        """;

    // The head of a group, one round trip. Inbox ids and model names are sorted so that concurrent groups lock in one order.
    public const string HeadInbox = """
        INSERT INTO registry.inbox (message_id, consumer) SELECT id, $2 FROM unnest($1::uuid[]) AS id ORDER BY id
        ON CONFLICT DO NOTHING RETURNING message_id
        """;

    public const string HeadEnsureModels = """
        INSERT INTO registry.models (model_id, name, owner_team, description, risk_tier)
        SELECT * FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::text[]) AS n(model_id, name, owner_team, description, risk_tier)
        ORDER BY name
        ON CONFLICT (name) DO NOTHING RETURNING model_id
        """;

    public const string HeadLockModels = """
        SELECT model_id, name, next_version, owner_team, risk_tier FROM registry.models WHERE name = ANY($1) ORDER BY name FOR UPDATE
        """;

    // Under the models' locks: a concurrent twin of a registration has committed or not at all.
    public const string HeadFindKeys = """
        SELECT k.name, k.key, v.version_id, v.version, v.manifest_digest, v.registered_at, l.training_run_id
        FROM unnest($1::text[], $2::text[]) AS k(name, key)
        JOIN registry.models m ON m.name = k.name
        JOIN registry.model_versions v ON v.model_id = m.model_id AND v.idempotency_key = k.key
        JOIN registry.lineage l ON l.version_id = v.version_id
        """;

    public const string HeadFindBases = """
        SELECT b.name, b.version, v.version_id
        FROM unnest($1::text[], $2::int[]) AS b(name, version)
        JOIN registry.models m ON m.name = b.name
        JOIN registry.model_versions v ON v.model_id = m.model_id AND v.version = b.version
        """;

    // Owner team and risk tier are set only for a model this group made (null otherwise): a registration never changes
    // an existing model's governance (RegistrationDecisions refuses one that claims another), ChangeModelGovernance does.
    public const string AdvanceModels = """
        UPDATE registry.models m SET next_version = u.next_version, owner_team = coalesce(u.owner_team, m.owner_team),
            description = coalesce(u.description, m.description), risk_tier = coalesce(u.risk_tier, m.risk_tier), updated_at = now()
        FROM unnest($1::uuid[], $2::int[], $3::text[], $4::text[], $5::text[]) AS u(model_id, next_version, owner_team, description, risk_tier)
        WHERE m.model_id = u.model_id
        """;

    public const string InsertVersions = """
        INSERT INTO registry.model_versions (version_id, model_id, version, manifest_digest, idempotency_key, description,
            owner_team, risk_tier, trained_at, registered_at, message_id)
        SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::int[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[],
            $9::timestamptz[], $10::timestamptz[], $11::uuid[])
        """;

    public const string InsertObjects = """
        INSERT INTO registry.artifact_objects (sha256, size)
        SELECT * FROM unnest($1::text[], $2::bigint[]) ORDER BY 1 ON CONFLICT DO NOTHING
        """;

    public const string InsertFiles = """
        INSERT INTO registry.artifact_files (version_id, path, role, sha256, size, source_uri)
        SELECT * FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::bigint[], $6::text[])
        """;

    public const string InsertLineage = """
        INSERT INTO registry.lineage (version_id, training_run_id, training_run_url, code_repository, code_commit,
            base_model_name, base_model_version, base_version_id, hyperparameters)
        SELECT v, r, u, cr, cc, bn, bv, bi, h::jsonb
        FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::int[], $8::uuid[], $9::text[])
            AS l(v, r, u, cr, cc, bn, bv, bi, h)
        """;

    public const string InsertDatasets = """
        INSERT INTO registry.lineage_datasets (version_id, name, version, digest)
        SELECT * FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[])
        """;

    public const string InsertVersionTags = """
        INSERT INTO registry.version_tags (version_id, key, value) SELECT * FROM unnest($1::uuid[], $2::text[], $3::text[])
        """;

    // A model's tags become those of its latest registration. Tags that did not change are left alone (most registrations
    // repeat them); two statements, since a DELETE and an INSERT in one statement share a snapshot and a changed value's old
    // row would still be seen.
    public const string DeleteModelTags = """
        DELETE FROM registry.model_tags t WHERE t.model_id = ANY($1)
        AND NOT EXISTS (SELECT FROM unnest($2::uuid[], $3::text[], $4::text[]) AS n(model_id, key, value)
                        WHERE n.model_id = t.model_id AND n.key = t.key AND n.value = t.value)
        """;

    public const string InsertModelTags = """
        INSERT INTO registry.model_tags (model_id, key, value)
        SELECT * FROM unnest($1::uuid[], $2::text[], $3::text[]) AS n(model_id, key, value)
        WHERE NOT EXISTS (SELECT FROM registry.model_tags t WHERE t.model_id = n.model_id AND t.key = n.key)
        """;

    public const string InsertRejections = """
        INSERT INTO registry.rejections (kind, message_id, subject, reason_code, reason, payload)
        SELECT 'registration', i, s, c, r, p::jsonb FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::text[]) AS x(i, s, c, r, p)
        """;

    // A model row made by this group for registrations that were all refused: nothing of a refusal stays.
    public const string DeleteUnusedModels = """
        DELETE FROM registry.models WHERE model_id = ANY($1)
        """;

    // (A lone string[] argument would become the params array itself: callers pass it as object.)
    public static NpgsqlBatchCommand Command(string sql, params object?[] values)
    {
        var command = new NpgsqlBatchCommand(sql);
        foreach (var value in values)
        {
            command.Parameters.Add(value switch
            {
                // Arrays of nullable texts need their type: an all-null array says nothing about it.
                string?[] texts => new NpgsqlParameter { Value = texts, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text },
                null => new NpgsqlParameter { Value = DBNull.Value },
                _ => new NpgsqlParameter { Value = value },
            });
        }
        return command;
    }
}
