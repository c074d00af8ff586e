using System.Text.Json;
using Dapper;
using ModelRegistry.Contracts;
using ModelRegistry.Persistence.Outbox;
using Npgsql;
using NpgsqlTypes;

namespace ModelRegistry.Persistence.Registration;

/// <summary>What a registration did.</summary>
public enum RegistrationOutcome
{
    /// <summary>A new version was made.</summary>
    Registered,

    /// <summary>The idempotency key already had this version: nothing changed.</summary>
    Duplicate,

    /// <summary>This message id was already processed: nothing changed.</summary>
    AlreadyProcessed,

    /// <summary>Refused (the event says why); nothing but the rejection record was written.</summary>
    Rejected,
}

public sealed record RegistrationResult(RegistrationOutcome Outcome, ModelVersionRegistered? Registered, ModelRegistrationRejected? Rejected);

/// <summary>A verified artifact file, already in the content-addressed store.</summary>
public sealed record StoredFile(ArtifactFile File, string Sha256, long Size);

/// <summary>
/// Writes a registration in one transaction: inbox mark, model row (locked), next version number,
/// the version, its files, lineage and tags, and the outbox event. Either all of it commits or
/// none of it does.
/// </summary>
public sealed class RegistrationStore(NpgsqlDataSource dataSource)
{
    public const string Consumer = "registration";

    private const string FindByKey = """
        SELECT v.version_id AS ModelVersionId, v.version AS Version, v.manifest_digest AS ManifestDigest,
               v.registered_at AS RegisteredAt, l.training_run_id AS TrainingRunId
        FROM registry.model_versions v JOIN registry.lineage l USING (version_id)
        JOIN registry.models m USING (model_id)
        WHERE m.name = @Name AND v.idempotency_key = @Key
        """;

    private const string FindBase = """
        SELECT v.version_id FROM registry.model_versions v JOIN registry.models m USING (model_id)
        WHERE m.name = @Name AND v.version = @Version
        """;

    private const string AdvanceModel = """
        UPDATE registry.models SET next_version = next_version + 1, owner_team = $2, description = coalesce($3, description),
            risk_tier = $4, updated_at = now()
        WHERE model_id = $1
        """;

    private const string InsertVersion = """
        INSERT INTO registry.model_versions (version_id, model_id, version, manifest_digest, idempotency_key, description,
            owner_team, risk_tier, trained_at, registered_at, message_id)
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
        """;

    private const string InsertObjects = """
        INSERT INTO registry.artifact_objects (sha256, size)
        SELECT * FROM unnest($1::text[], $2::bigint[]) ON CONFLICT DO NOTHING
        """;

    private const string InsertFiles = """
        INSERT INTO registry.artifact_files (version_id, path, role, sha256, size, source_uri)
        SELECT $1, * FROM unnest($2::text[], $3::text[], $4::text[], $5::bigint[], $6::text[])
        """;

    private const string InsertLineage = """
        INSERT INTO registry.lineage (version_id, training_run_id, training_run_url, code_repository, code_commit,
            base_model_name, base_model_version, base_version_id, hyperparameters)
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9::jsonb)
        """;

    private const string InsertDatasets = """
        INSERT INTO registry.lineage_datasets (version_id, name, version, digest)
        SELECT $1, * FROM unnest($2::text[], $3::text[], $4::text[])
        """;

    private const string InsertVersionTags = """
        INSERT INTO registry.version_tags (version_id, key, value) SELECT $1, * FROM unnest($2::text[], $3::text[])
        """;

    // Two statements: a DELETE and an INSERT in one statement share a snapshot, so a kept key would collide.
    private const string DeleteModelTags = """
        DELETE FROM registry.model_tags WHERE model_id = $1
        """;

    private const string InsertModelTags = """
        INSERT INTO registry.model_tags (model_id, key, value) SELECT $1, * FROM unnest($2::text[], $3::text[])
        """;

    private const string InsertRejection = """
        INSERT INTO registry.rejections (kind, message_id, subject, reason_code, reason, payload)
        VALUES ($1, $2, $3, $4, $5, $6::jsonb)
        """;

    private const string HeadInbox = """
        INSERT INTO registry.inbox (message_id, consumer) VALUES ($1, $2) ON CONFLICT DO NOTHING RETURNING 1
        """;

    private const string HeadEnsureModel = """
        INSERT INTO registry.models (model_id, name, owner_team, description, risk_tier) VALUES ($1, $2, $3, $4, $5)
        ON CONFLICT (name) DO NOTHING RETURNING 1
        """;

    private const string HeadLockModel = """
        SELECT model_id, next_version FROM registry.models WHERE name = $1 FOR UPDATE
        """;

    private const string HeadFindByKey = """
        SELECT v.version_id, v.version, v.manifest_digest, v.registered_at, l.training_run_id
        FROM registry.model_versions v JOIN registry.lineage l USING (version_id) JOIN registry.models m USING (model_id)
        WHERE m.name = $1 AND v.idempotency_key = $2
        """;

    private static async Task<(bool Fresh, (Guid ModelId, int NextVersion) Model, ExistingVersion? Existing)> ReadHeadAsync(
        NpgsqlConnection connection, NpgsqlTransaction tx, ModelTrained message, string idempotencyKey, Guid? messageId, CancellationToken token)
    {
        await using var head = new NpgsqlBatch(connection, tx);
        head.BatchCommands.Add(messageId is null ? Command("SELECT 1") : Command(HeadInbox, messageId.Value, Consumer));
        head.BatchCommands.Add(Command(HeadEnsureModel, Guid.NewGuid(), message.ModelName, message.OwnerTeam, (object?)message.Description, message.RiskTier));
        head.BatchCommands.Add(Command(HeadLockModel, message.ModelName));
        head.BatchCommands.Add(Command(HeadFindByKey, message.ModelName, idempotencyKey));
        await using var reader = await head.ExecuteReaderAsync(token);
        var fresh = await reader.ReadAsync(token);
        await reader.NextResultAsync(token);
        await reader.NextResultAsync(token);
        if (!await reader.ReadAsync(token)) throw new InvalidOperationException($"model {message.ModelName} vanished while being locked");
        var model = (reader.GetGuid(0), reader.GetInt32(1));
        await reader.NextResultAsync(token);
        var existing = await reader.ReadAsync(token)
            ? new ExistingVersion(reader.GetGuid(0), reader.GetInt32(1), reader.GetString(2), reader.GetDateTime(3), reader.GetString(4))
            : null;
        return (fresh, model, existing);
    }

    /// <summary>The version an idempotency key already made, if any (no lock: a fast path before the artifact copy).</summary>
    public async Task<ModelVersionRegistered?> FindAsync(string modelName, string idempotencyKey, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var row = await connection.QuerySingleOrDefaultAsync<ExistingVersion>(
            new CommandDefinition(FindByKey, new { Name = modelName, Key = idempotencyKey }, cancellationToken: cancellationToken));
        return row?.ToEvent(modelName, idempotencyKey);
    }

    public Task<RegistrationResult> RegisterAsync(ModelTrained message, string idempotencyKey, string manifestDigest,
        IReadOnlyList<StoredFile> files, Guid? messageId, DateTimeOffset now, CancellationToken cancellationToken) =>
        DatabaseResilience.Pipeline.ExecuteAsync(async token =>
        {
            await using var connection = await dataSource.OpenConnectionAsync(token);
            await using var tx = await connection.BeginTransactionAsync(token);
            // One round trip: inbox mark, model row, its lock, and the key check under that lock.
            var (fresh, model, existing) = await ReadHeadAsync(connection, tx, message, idempotencyKey, messageId, token);
            if (!fresh)
            {
                await tx.RollbackAsync(token);
                return new RegistrationResult(RegistrationOutcome.AlreadyProcessed, null, null);
            }

            // Under the model's lock: a concurrent twin of this registration has committed or not at all.
            if (existing is not null)
            {
                if (existing.ManifestDigest == manifestDigest)
                {
                    await tx.CommitAsync(token); // keeps the inbox mark
                    return new RegistrationResult(RegistrationOutcome.Duplicate, existing.ToEvent(message.ModelName, idempotencyKey), null);
                }
                // Roll back: nothing of a refused registration stays, not even a new model row.
                await tx.RollbackAsync(token);
                return await RejectAsync(message, idempotencyKey, RejectionReasons.IdempotencyConflict,
                    $"IdempotencyKey '{idempotencyKey}' already registered {message.ModelName} version {existing.Version} with manifest {existing.ManifestDigest}, not {manifestDigest}",
                    messageId, now, token);
            }

            Guid? baseVersionId = null;
            if (message.Lineage!.BaseModel is { } baseModel)
            {
                baseVersionId = await connection.QuerySingleOrDefaultAsync<Guid?>(new CommandDefinition(FindBase,
                    new { baseModel.Name, baseModel.Version }, tx, cancellationToken: token));
                if (baseVersionId is null)
                {
                    await tx.RollbackAsync(token);
                    return await RejectAsync(message, idempotencyKey, RejectionReasons.UnknownBaseModel,
                        $"Lineage.BaseModel: {baseModel.Name} version {baseModel.Version} is not registered", messageId, now, token);
                }
            }

            var registered = new ModelVersionRegistered
            {
                ModelName = message.ModelName,
                Version = model.NextVersion,
                ModelVersionId = Guid.NewGuid(),
                ManifestDigest = manifestDigest,
                IdempotencyKey = idempotencyKey,
                TrainingRunId = message.Lineage.TrainingRunId,
                RegisteredAt = now,
            };
            await using (var batch = WriteVersion(connection, tx, message, model.ModelId, registered, files, baseVersionId, messageId))
                await batch.ExecuteNonQueryAsync(token);
            await tx.CommitAsync(token);
            return new RegistrationResult(RegistrationOutcome.Registered, registered, null);
        }, cancellationToken).AsTask();

    /// <summary>Records a refusal found before any state was touched (validation, artifact checks).</summary>
    public Task<RegistrationResult> RejectAsync(ModelTrained message, string? idempotencyKey, string reasonCode, string reason,
        Guid? messageId, DateTimeOffset now, CancellationToken cancellationToken) =>
        DatabaseResilience.Pipeline.ExecuteAsync(async token =>
        {
            await using var connection = await dataSource.OpenConnectionAsync(token);
            await using var tx = await connection.BeginTransactionAsync(token);
            if (!await TransactionalWork.TryMarkInboxAsync(connection, tx, messageId, Consumer, token))
                return new RegistrationResult(RegistrationOutcome.AlreadyProcessed, null, null);
            var rejected = Rejection(message, idempotencyKey, reasonCode, reason, now);
            await WriteRejectionAsync(connection, tx, message, rejected, messageId, token);
            await tx.CommitAsync(token);
            return new RegistrationResult(RegistrationOutcome.Rejected, null, rejected);
        }, cancellationToken).AsTask();

    private static ModelRegistrationRejected Rejection(ModelTrained m, string? key, string code, string reason, DateTimeOffset now) => new()
    {
        ModelName = Truncate(m.ModelName, 200),
        IdempotencyKey = key is null ? null : Truncate(key, 200),
        TrainingRunId = m.Lineage?.TrainingRunId is { } run ? Truncate(run, 200) : null,
        ReasonCode = code,
        Message = reason,
        RejectedAt = now,
    };

    private static async Task WriteRejectionAsync(NpgsqlConnection connection, NpgsqlTransaction tx, ModelTrained message,
        ModelRegistrationRejected rejected, Guid? messageId, CancellationToken token)
    {
        await using var batch = new NpgsqlBatch(connection, tx)
        {
            BatchCommands =
            {
                new NpgsqlBatchCommand(InsertRejection)
                {
                    Parameters =
                    {
                        new() { Value = "registration" },
                        new() { Value = (object?)messageId ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Uuid },
                        new() { Value = rejected.ModelName },
                        new() { Value = rejected.ReasonCode },
                        new() { Value = rejected.Message },
                        new() { Value = JsonSerializer.Serialize(message, OutboxMessageTypes.Json), NpgsqlDbType = NpgsqlDbType.Text },
                    },
                },
                TransactionalWork.Outbox(OutboxEntry.For(rejected)),
            },
        };
        await batch.ExecuteNonQueryAsync(token);
    }

    private static NpgsqlBatch WriteVersion(NpgsqlConnection connection, NpgsqlTransaction tx, ModelTrained m, Guid modelId,
        ModelVersionRegistered v, IReadOnlyList<StoredFile> files, Guid? baseVersionId, Guid? messageId)
    {
        var lineage = m.Lineage!;
        var tags = m.Tags ?? [];
        var batch = new NpgsqlBatch(connection, tx);
        batch.BatchCommands.Add(Command(AdvanceModel, modelId, m.OwnerTeam, (object?)m.Description, m.RiskTier));
        batch.BatchCommands.Add(Command(InsertVersion, v.ModelVersionId, modelId, v.Version, v.ManifestDigest, v.IdempotencyKey,
            (object?)m.Description, m.OwnerTeam, m.RiskTier, m.TrainedAt, v.RegisteredAt, (object?)messageId));
        var objects = files.DistinctBy(f => f.Sha256).ToList();
        batch.BatchCommands.Add(Command(InsertObjects, objects.Select(f => f.Sha256).ToArray(), objects.Select(f => f.Size).ToArray()));
        batch.BatchCommands.Add(Command(InsertFiles, v.ModelVersionId,
            files.Select(f => f.File.Path).ToArray(), files.Select(f => f.File.Role).ToArray(),
            files.Select(f => f.Sha256).ToArray(), files.Select(f => f.Size).ToArray(), files.Select(f => f.File.SourceUri).ToArray()));
        batch.BatchCommands.Add(Command(InsertLineage, v.ModelVersionId, lineage.TrainingRunId, (object?)lineage.TrainingRunUrl,
            lineage.CodeRepository, lineage.CodeCommit, (object?)lineage.BaseModel?.Name, (object?)lineage.BaseModel?.Version,
            (object?)baseVersionId, JsonSerializer.Serialize(lineage.Hyperparameters ?? [], OutboxMessageTypes.Json)));
        batch.BatchCommands.Add(Command(InsertDatasets, v.ModelVersionId, lineage.Datasets.Select(d => d.Name).ToArray(),
            lineage.Datasets.Select(d => d.Version).ToArray(), lineage.Datasets.Select(d => d.Digest).ToArray()));
        batch.BatchCommands.Add(Command(InsertVersionTags, v.ModelVersionId, tags.Keys.ToArray(), tags.Values.ToArray()));
        batch.BatchCommands.Add(Command(DeleteModelTags, modelId));
        batch.BatchCommands.Add(Command(InsertModelTags, modelId, tags.Keys.ToArray(), tags.Values.ToArray()));
        batch.BatchCommands.Add(TransactionalWork.Outbox(OutboxEntry.For(v)));
        return batch;
    }

    private static NpgsqlBatchCommand Command(string sql, params object?[] values)
    {
        var command = new NpgsqlBatchCommand(sql);
        foreach (var value in values)
        {
            // A null goes untyped, so PostgreSQL takes the column's type; timestamps go as UTC.
            command.Parameters.Add(new NpgsqlParameter
            {
                Value = value switch
                {
                    null => DBNull.Value,
                    DateTimeOffset t => t.ToUniversalTime(),
                    _ => value,
                },
            });
        }
        return command;
    }

    private static string Truncate(string s, int max) => s.Length <= max ? s : s[..max];

    private sealed record ExistingVersion(Guid ModelVersionId, int Version, string ManifestDigest, DateTime RegisteredAt, string TrainingRunId)
    {
        public ModelVersionRegistered ToEvent(string modelName, string key) => new()
        {
            ModelName = modelName,
            Version = Version,
            ModelVersionId = ModelVersionId,
            ManifestDigest = ManifestDigest,
            IdempotencyKey = key,
            TrainingRunId = TrainingRunId,
            RegisteredAt = new DateTimeOffset(DateTime.SpecifyKind(RegisteredAt, DateTimeKind.Utc)),
        };
    }
}
