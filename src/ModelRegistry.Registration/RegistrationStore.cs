using System.Collections.Concurrent;
using System.Text.Json;
using Dapper;
using ModelRegistry.Contracts;
using ModelRegistry.Platform.Rules;
using ModelRegistry.Platform.Audit;
using ModelRegistry.Platform.Outbox;
using Npgsql;
using NpgsqlTypes;
using ModelRegistry.Platform;
using ModelRegistry.Registration.Rules;

namespace ModelRegistry.Registration;

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
/// Writes registrations and refusals. Each one is all or nothing: inbox mark, model row (locked), next version number, the
/// version, its files, lineage and tags, the outbox event and the audit record commit together or not at all.
/// </summary>
/// <remarks>
/// <para>Group commit: calls that arrive while a transaction is being written wait and are written together in the next
/// one (at most <see cref="MaxGroup"/>). Under load a transaction then carries dozens of registrations for the price of one
/// commit, one take of the audit lock and a handful of round trips; alone, a call is written at once. Calls are split by
/// model name into <see cref="Partitions"/> partitions with one writer each: two groups of one process never lock the same
/// model rows, so their transactions run side by side on two database connections and meet only at the audit lock, taken
/// last.</para>
/// <para>Locks are taken in one order everywhere (inbox ids sorted, then model rows by name, then the audit lock), so two
/// groups, in one process or two, never deadlock. Versions are numbered in the order of the group under the model rows'
/// locks: contiguous, whichever process registers.</para>
/// <para>One call's failure is not its group's: if a group's transaction fails for a reason that is not transient, each of its
/// calls is written again alone, and only the call that fails alone fails.</para>
/// </remarks>
public sealed class RegistrationStore(NpgsqlDataSource dataSource)
{
    public const string Consumer = "registration";
    public const string AuditActor = "svc:registration";

    /// <summary>Most calls written in one transaction.</summary>
    public const int MaxGroup = 256;

    /// <summary>Partitions by model name, each with one writer: transactions written at once by one process.</summary>
    public const int Partitions = 2;

    private readonly Partition[] partitions = [new(), new()];

    private const string FindByKey = """
        SELECT v.version_id AS ModelVersionId, v.version AS Version, v.manifest_digest AS ManifestDigest,
               v.registered_at AS RegisteredAt, l.training_run_id AS TrainingRunId
        FROM registry.model_versions v JOIN registry.lineage l USING (version_id)
        JOIN registry.models m USING (model_id)
        WHERE m.name = @Name AND v.idempotency_key = @Key
        """;

    // The head of a group, one round trip. Inbox ids and model names are sorted so that concurrent groups lock in one order.
    private const string HeadInbox = """
        INSERT INTO registry.inbox (message_id, consumer) SELECT id, $2 FROM unnest($1::uuid[]) AS id ORDER BY id
        ON CONFLICT DO NOTHING RETURNING message_id
        """;

    private const string HeadEnsureModels = """
        INSERT INTO registry.models (model_id, name, owner_team, description, risk_tier)
        SELECT * FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::text[]) AS n(model_id, name, owner_team, description, risk_tier)
        ORDER BY name
        ON CONFLICT (name) DO NOTHING RETURNING model_id
        """;

    private const string HeadLockModels = """
        SELECT model_id, name, next_version FROM registry.models WHERE name = ANY($1) ORDER BY name FOR UPDATE
        """;

    // Under the models' locks: a concurrent twin of a registration has committed or not at all.
    private const string HeadFindKeys = """
        SELECT k.name, k.key, v.version_id, v.version, v.manifest_digest, v.registered_at, l.training_run_id
        FROM unnest($1::text[], $2::text[]) AS k(name, key)
        JOIN registry.models m ON m.name = k.name
        JOIN registry.model_versions v ON v.model_id = m.model_id AND v.idempotency_key = k.key
        JOIN registry.lineage l ON l.version_id = v.version_id
        """;

    private const string HeadFindBases = """
        SELECT b.name, b.version, v.version_id
        FROM unnest($1::text[], $2::int[]) AS b(name, version)
        JOIN registry.models m ON m.name = b.name
        JOIN registry.model_versions v ON v.model_id = m.model_id AND v.version = b.version
        """;

    private const string AdvanceModels = """
        UPDATE registry.models m SET next_version = u.next_version, owner_team = u.owner_team,
            description = coalesce(u.description, m.description), risk_tier = u.risk_tier, updated_at = now()
        FROM unnest($1::uuid[], $2::int[], $3::text[], $4::text[], $5::text[]) AS u(model_id, next_version, owner_team, description, risk_tier)
        WHERE m.model_id = u.model_id
        """;

    private const string InsertVersions = """
        INSERT INTO registry.model_versions (version_id, model_id, version, manifest_digest, idempotency_key, description,
            owner_team, risk_tier, trained_at, registered_at, message_id)
        SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::int[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[],
            $9::timestamptz[], $10::timestamptz[], $11::uuid[])
        """;

    private const string InsertObjects = """
        INSERT INTO registry.artifact_objects (sha256, size)
        SELECT * FROM unnest($1::text[], $2::bigint[]) ORDER BY 1 ON CONFLICT DO NOTHING
        """;

    private const string InsertFiles = """
        INSERT INTO registry.artifact_files (version_id, path, role, sha256, size, source_uri)
        SELECT * FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::bigint[], $6::text[])
        """;

    private const string InsertLineage = """
        INSERT INTO registry.lineage (version_id, training_run_id, training_run_url, code_repository, code_commit,
            base_model_name, base_model_version, base_version_id, hyperparameters)
        SELECT v, r, u, cr, cc, bn, bv, bi, h::jsonb
        FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::int[], $8::uuid[], $9::text[])
            AS l(v, r, u, cr, cc, bn, bv, bi, h)
        """;

    private const string InsertDatasets = """
        INSERT INTO registry.lineage_datasets (version_id, name, version, digest)
        SELECT * FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[])
        """;

    private const string InsertVersionTags = """
        INSERT INTO registry.version_tags (version_id, key, value) SELECT * FROM unnest($1::uuid[], $2::text[], $3::text[])
        """;

    // A model's tags become those of its latest registration. Tags that did not change are left alone (most registrations
    // repeat them); two statements, since a DELETE and an INSERT in one statement share a snapshot and a changed value's old
    // row would still be seen.
    private const string DeleteModelTags = """
        DELETE FROM registry.model_tags t WHERE t.model_id = ANY($1)
        AND NOT EXISTS (SELECT FROM unnest($2::uuid[], $3::text[], $4::text[]) AS n(model_id, key, value)
                        WHERE n.model_id = t.model_id AND n.key = t.key AND n.value = t.value)
        """;

    private const string InsertModelTags = """
        INSERT INTO registry.model_tags (model_id, key, value)
        SELECT * FROM unnest($1::uuid[], $2::text[], $3::text[]) AS n(model_id, key, value)
        WHERE NOT EXISTS (SELECT FROM registry.model_tags t WHERE t.model_id = n.model_id AND t.key = n.key)
        """;

    private const string InsertRejections = """
        INSERT INTO registry.rejections (kind, message_id, subject, reason_code, reason, payload)
        SELECT 'registration', i, s, c, r, p::jsonb FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::text[]) AS x(i, s, c, r, p)
        """;

    private const string InsertOutbox = """
        INSERT INTO registry.outbox (message_id, message_type, body)
        SELECT * FROM unnest($1::uuid[], $2::text[], $3::text[])
        """;

    // A model row made by this group for registrations that were all refused: nothing of a refusal stays.
    private const string DeleteUnusedModels = """
        DELETE FROM registry.models WHERE model_id = ANY($1)
        """;

    /// <summary>The version an idempotency key already made, if any (no lock: a fast path before the artifact copy).</summary>
    public async Task<ModelVersionRegistered?> FindAsync(string modelName, string idempotencyKey, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var row = await connection.QuerySingleOrDefaultAsync<ExistingVersion>(
            new CommandDefinition(FindByKey, new { Name = modelName, Key = idempotencyKey }, cancellationToken: cancellationToken));
        return row?.ToEvent(modelName, idempotencyKey);
    }

    /// <summary>
    /// Registers a validated message whose files are stored: a new version, a duplicate of the version its key made, or a
    /// refusal found under the model's lock (idempotency conflict, unknown base model). <paramref name="cancellationToken"/>
    /// stops the wait, not a transaction already under way.
    /// </summary>
    public Task<RegistrationResult> RegisterAsync(ModelTrained message, string idempotencyKey, string manifestDigest,
        IReadOnlyList<StoredFile> files, Guid? messageId, DateTimeOffset now, CancellationToken cancellationToken) =>
        Submit(new Pending(message, idempotencyKey, manifestDigest, files, messageId, now, null, null), cancellationToken);

    /// <summary>Records a refusal found before any state was touched (validation, artifact checks).</summary>
    public Task<RegistrationResult> RejectAsync(ModelTrained message, string? idempotencyKey, string reasonCode, string reason,
        Guid? messageId, DateTimeOffset now, CancellationToken cancellationToken) =>
        Submit(new Pending(message, idempotencyKey, null, [], messageId, now, reasonCode, reason), cancellationToken);

    private Task<RegistrationResult> Submit(Pending pending, CancellationToken cancellationToken)
    {
        // A model's calls always meet in one partition: its versions are numbered by one writer, in arrival order.
        var partition = partitions[(uint)StringComparer.Ordinal.GetHashCode(pending.Message.ModelName ?? "") % Partitions];
        partition.Queue.Enqueue(pending);
        StartWriterIfNeeded(partition);
        return pending.Result.Task.WaitAsync(cancellationToken);
    }

    private void StartWriterIfNeeded(Partition partition)
    {
        if (!partition.Queue.IsEmpty && Interlocked.CompareExchange(ref partition.Writing, 1, 0) == 0)
            _ = Task.Run(() => WriteWhileQueuedAsync(partition));
    }

    private async Task WriteWhileQueuedAsync(Partition partition)
    {
        try
        {
            var group = new List<Pending>(MaxGroup);
            while (true)
            {
                group.Clear();
                while (group.Count < MaxGroup && partition.Queue.TryDequeue(out var next)) group.Add(next);
                if (group.Count == 0) break;
                await WriteGroupAsync(group);
            }
        }
        finally
        {
            Volatile.Write(ref partition.Writing, 0);
            // A call queued after the loop saw an empty queue, but before the flag went down, still gets a writer.
            StartWriterIfNeeded(partition);
        }
    }

    private sealed class Partition
    {
        public ConcurrentQueue<Pending> Queue { get; } = new();

        /// <summary>1 while a writer runs.</summary>
        public int Writing;
    }

    private async Task WriteGroupAsync(IReadOnlyList<Pending> group)
    {
        try
        {
            var results = await DatabaseResilience.Pipeline.ExecuteAsync(token => new ValueTask<RegistrationResult[]>(WriteAsync(group, token)),
                CancellationToken.None);
            for (var i = 0; i < group.Count; i++) group[i].Result.TrySetResult(results[i]);
        }
        catch (Exception e) when (group.Count > 1 && !DatabaseResilience.IsTransient(e))
        {
            // Whose fault? Each call alone tells: the others go through, the culprit gets the exception.
            foreach (var pending in group) await WriteGroupAsync([pending]);
        }
        catch (Exception e)
        {
            // Still transient after the retries (the database is away): every call fails, and its message is retried later.
            foreach (var pending in group) pending.Result.TrySetException(e);
        }
    }

    /// <summary>One transaction for the whole group; the results in the group's order.</summary>
    private async Task<RegistrationResult[]> WriteAsync(IReadOnlyList<Pending> group, CancellationToken token)
    {
        await using var connection = await dataSource.OpenConnectionAsync(token);
        await using var tx = await connection.BeginTransactionAsync(token);
        var head = await ReadHeadAsync(connection, tx, group, token);

        var results = new RegistrationResult[group.Count];
        var write = new GroupWrite();
        var seenIds = new HashSet<Guid>();
        var nextVersion = head.Models.ToDictionary(m => m.Key, m => m.Value.NextVersion, StringComparer.Ordinal);
        var madeHere = new Dictionary<(string Model, string Key), ModelVersionRegistered>();
        var versionsHere = new Dictionary<(string Model, int Version), Guid>();
        for (var i = 0; i < group.Count; i++)
        {
            var p = group[i];
            if (p.MessageId is { } id && (!head.FreshIds.Contains(id) || !seenIds.Add(id)))
            {
                results[i] = new RegistrationResult(RegistrationOutcome.AlreadyProcessed, null, null);
                continue;
            }
            var m = p.Message;
            if (p.ReasonCode is not null)
            {
                results[i] = write.Reject(p, p.IdempotencyKey, p.ReasonCode, p.Reason!);
                continue;
            }

            var key = (m.ModelName, p.IdempotencyKey!);
            var existing = madeHere.GetValueOrDefault(key) ?? head.Existing.GetValueOrDefault(key);
            if (existing is not null)
            {
                results[i] = existing.ManifestDigest == p.ManifestDigest
                    ? new RegistrationResult(RegistrationOutcome.Duplicate, existing, null)
                    : write.Reject(p, p.IdempotencyKey, RejectionReasons.IdempotencyConflict,
                        $"IdempotencyKey '{p.IdempotencyKey}' already registered {m.ModelName} version {existing.Version} with manifest {existing.ManifestDigest}, not {p.ManifestDigest}");
                continue;
            }

            Guid? baseVersionId = null;
            if (m.Lineage!.BaseModel is { } baseModel)
            {
                var baseKey = (baseModel.Name, baseModel.Version);
                baseVersionId = versionsHere.TryGetValue(baseKey, out var here) ? here
                    : head.Bases.TryGetValue(baseKey, out var stored) ? stored : null;
                if (baseVersionId is null)
                {
                    results[i] = write.Reject(p, p.IdempotencyKey, RejectionReasons.UnknownBaseModel,
                        $"Lineage.BaseModel: {baseModel.Name} version {baseModel.Version} is not registered");
                    continue;
                }
            }

            var version = nextVersion[m.ModelName]++;
            var registered = new ModelVersionRegistered
            {
                ModelName = m.ModelName,
                Version = version,
                ModelVersionId = Guid.CreateVersion7(p.Now),
                ManifestDigest = p.ManifestDigest!,
                IdempotencyKey = p.IdempotencyKey!,
                TrainingRunId = m.Lineage.TrainingRunId,
                RegisteredAt = p.Now,
            };
            write.Register(p, head.Models[m.ModelName].ModelId, registered, baseVersionId);
            madeHere[key] = registered;
            versionsHere[(m.ModelName, version)] = registered.ModelVersionId;
            results[i] = new RegistrationResult(RegistrationOutcome.Registered, registered, null);
        }

        var unused = head.CreatedModelIds.Where(id => !write.UsesModel(id)).ToArray();
        if (write.IsEmpty && unused.Length == 0)
        {
            await tx.CommitAsync(token); // keeps the inbox marks of duplicates
            return results;
        }
        await using (var batch = write.Build(connection, tx, unused))
            await batch.ExecuteNonQueryAsync(token);
        if (write.Audit.Count > 0)
        {
            // Last, just before the commit: the audit lock is held from here to the commit.
            var entries = await AuditLog.AppendManyAsync(connection, tx, write.Audit, group[0].Now, token);
            await using var announce = new NpgsqlBatch(connection, tx);
            announce.BatchCommands.Add(OutboxRows(entries.Select(e => OutboxEntry.For(AuditLog.ToEvent(e))).ToList()));
            await announce.ExecuteNonQueryAsync(token);
        }
        await tx.CommitAsync(token);
        return results;
    }

    private static async Task<Head> ReadHeadAsync(NpgsqlConnection connection, NpgsqlTransaction tx, IReadOnlyList<Pending> group,
        CancellationToken token)
    {
        var ids = group.Where(p => p.MessageId is not null).Select(p => p.MessageId!.Value).Distinct().ToArray();
        var registering = group.Where(p => p.ReasonCode is null).ToList();
        // A new model takes the settings of its first registration in the group (later ones update them, in order).
        var firsts = registering.DistinctBy(p => p.Message.ModelName).ToList();
        var keys = registering.Select(p => (p.Message.ModelName, Key: p.IdempotencyKey!)).Distinct().ToList();
        var bases = registering.Select(p => p.Message.Lineage!.BaseModel).OfType<BaseModelRef>().Select(b => (b.Name, b.Version)).Distinct().ToList();

        await using var batch = new NpgsqlBatch(connection, tx);
        batch.BatchCommands.Add(Command(HeadInbox, ids, Consumer));
        batch.BatchCommands.Add(Command(HeadEnsureModels, firsts.Select(_ => Guid.CreateVersion7()).ToArray(), firsts.Select(p => p.Message.ModelName).ToArray(),
            firsts.Select(p => p.Message.OwnerTeam).ToArray(), firsts.Select(p => p.Message.Description).ToArray(), firsts.Select(p => p.Message.RiskTier).ToArray()));
        batch.BatchCommands.Add(Command(HeadLockModels, (object)firsts.Select(p => p.Message.ModelName).ToArray()));
        batch.BatchCommands.Add(Command(HeadFindKeys, keys.Select(k => k.ModelName).ToArray(), keys.Select(k => k.Key).ToArray()));
        batch.BatchCommands.Add(Command(HeadFindBases, bases.Select(b => b.Name).ToArray(), bases.Select(b => b.Version).ToArray()));
        await using var reader = await batch.ExecuteReaderAsync(token);

        var head = new Head();
        while (await reader.ReadAsync(token)) head.FreshIds.Add(reader.GetGuid(0));
        await reader.NextResultAsync(token);
        while (await reader.ReadAsync(token)) head.CreatedModelIds.Add(reader.GetGuid(0));
        await reader.NextResultAsync(token);
        while (await reader.ReadAsync(token)) head.Models[reader.GetString(1)] = (reader.GetGuid(0), reader.GetInt32(2));
        await reader.NextResultAsync(token);
        while (await reader.ReadAsync(token))
        {
            var existing = new ExistingVersion(reader.GetGuid(2), reader.GetInt32(3), reader.GetString(4), reader.GetDateTime(5), reader.GetString(6));
            head.Existing[(reader.GetString(0), reader.GetString(1))] = existing.ToEvent(reader.GetString(0), reader.GetString(1));
        }
        await reader.NextResultAsync(token);
        while (await reader.ReadAsync(token)) head.Bases[(reader.GetString(0), reader.GetInt32(1))] = reader.GetGuid(2);
        foreach (var p in firsts)
        {
            if (!head.Models.ContainsKey(p.Message.ModelName))
                throw new InvalidOperationException($"model {p.Message.ModelName} vanished while being locked");
        }
        return head;
    }

    private sealed class Head
    {
        public HashSet<Guid> FreshIds { get; } = [];
        public List<Guid> CreatedModelIds { get; } = [];
        public Dictionary<string, (Guid ModelId, int NextVersion)> Models { get; } = new(StringComparer.Ordinal);
        public Dictionary<(string Model, string Key), ModelVersionRegistered> Existing { get; } = [];
        public Dictionary<(string Name, int Version), Guid> Bases { get; } = [];
    }

    /// <summary>Everything a group writes, gathered as columns for multi-row inserts.</summary>
    private sealed class GroupWrite
    {
        private readonly List<(Pending P, Guid ModelId, ModelVersionRegistered V, Guid? BaseVersionId)> registered = [];
        private readonly List<(Pending P, ModelRegistrationRejected R)> rejected = [];
        private readonly List<OutboxEntry> outbox = [];

        public List<AuditAppend> Audit { get; } = [];

        public bool IsEmpty => registered.Count == 0 && rejected.Count == 0;

        public bool UsesModel(Guid modelId) => registered.Any(r => r.ModelId == modelId);

        public void Register(Pending p, Guid modelId, ModelVersionRegistered v, Guid? baseVersionId)
        {
            registered.Add((p, modelId, v, baseVersionId));
            outbox.Add(OutboxEntry.For(v));
            Audit.Add(RegisteredAudit(p.Message, v, p.MessageId));
        }

        public RegistrationResult Reject(Pending p, string? key, string code, string reason)
        {
            var r = Rejection(p.Message, key, code, reason, p.Now);
            rejected.Add((p, r));
            outbox.Add(OutboxEntry.For(r));
            Audit.Add(RejectedAudit(p.Message, r, p.MessageId));
            return new RegistrationResult(RegistrationOutcome.Rejected, null, r);
        }

        public NpgsqlBatch Build(NpgsqlConnection connection, NpgsqlTransaction tx, Guid[] unusedModels)
        {
            var batch = new NpgsqlBatch(connection, tx);
            if (registered.Count > 0) AddRegistrations(batch);
            if (rejected.Count > 0)
            {
                batch.BatchCommands.Add(Command(InsertRejections, rejected.Select(r => r.P.MessageId).ToArray(),
                    rejected.Select(r => r.R.ModelName).ToArray(), rejected.Select(r => r.R.ReasonCode).ToArray(),
                    rejected.Select(r => r.R.Message).ToArray(),
                    rejected.Select(r => AuditText.RefusedPayload(r.P.Message)).ToArray()));
            }
            if (outbox.Count > 0) batch.BatchCommands.Add(OutboxRows(outbox));
            if (unusedModels.Length > 0) batch.BatchCommands.Add(Command(DeleteUnusedModels, unusedModels));
            return batch;
        }

        private void AddRegistrations(NpgsqlBatch batch)
        {
            // Per model, the last registration's settings and tags win, as if they had been written one after the other.
            var perModel = registered.GroupBy(r => r.ModelId).Select(g => (
                ModelId: g.Key,
                NextVersion: g.Max(r => r.V.Version) + 1,
                Last: g.Last().P.Message,
                Description: g.Select(r => r.P.Message.Description).LastOrDefault(d => d is not null))).ToList();
            batch.BatchCommands.Add(Command(AdvanceModels, perModel.Select(m => m.ModelId).ToArray(), perModel.Select(m => m.NextVersion).ToArray(),
                perModel.Select(m => m.Last.OwnerTeam).ToArray(), perModel.Select(m => m.Description).ToArray(), perModel.Select(m => m.Last.RiskTier).ToArray()));

            batch.BatchCommands.Add(Command(InsertVersions,
                registered.Select(r => r.V.ModelVersionId).ToArray(), registered.Select(r => r.ModelId).ToArray(),
                registered.Select(r => r.V.Version).ToArray(), registered.Select(r => r.V.ManifestDigest).ToArray(),
                registered.Select(r => r.V.IdempotencyKey).ToArray(), registered.Select(r => r.P.Message.Description).ToArray(),
                registered.Select(r => r.P.Message.OwnerTeam).ToArray(), registered.Select(r => r.P.Message.RiskTier).ToArray(),
                registered.Select(r => r.P.Message.TrainedAt.ToUniversalTime()).ToArray(), registered.Select(r => r.V.RegisteredAt.ToUniversalTime()).ToArray(),
                registered.Select(r => r.P.MessageId).ToArray()));

            var files = registered.SelectMany(r => r.P.Files.Select(f => (r.V.ModelVersionId, F: f))).ToList();
            var objects = files.Select(f => f.F).DistinctBy(f => f.Sha256).ToList();
            batch.BatchCommands.Add(Command(InsertObjects, objects.Select(f => f.Sha256).ToArray(), objects.Select(f => f.Size).ToArray()));
            batch.BatchCommands.Add(Command(InsertFiles, files.Select(f => f.ModelVersionId).ToArray(),
                files.Select(f => f.F.File.Path).ToArray(), files.Select(f => f.F.File.Role).ToArray(),
                files.Select(f => f.F.Sha256).ToArray(), files.Select(f => f.F.Size).ToArray(), files.Select(f => f.F.File.SourceUri).ToArray()));

            var lineage = registered.Select(r => (r.V.ModelVersionId, L: r.P.Message.Lineage!, r.BaseVersionId)).ToList();
            batch.BatchCommands.Add(Command(InsertLineage, lineage.Select(l => l.ModelVersionId).ToArray(),
                lineage.Select(l => l.L.TrainingRunId).ToArray(), lineage.Select(l => l.L.TrainingRunUrl).ToArray(),
                lineage.Select(l => l.L.CodeRepository).ToArray(), lineage.Select(l => l.L.CodeCommit).ToArray(),
                lineage.Select(l => l.L.BaseModel?.Name).ToArray(), lineage.Select(l => l.L.BaseModel?.Version).ToArray(),
                lineage.Select(l => l.BaseVersionId).ToArray(),
                lineage.Select(l => JsonSerializer.Serialize(l.L.Hyperparameters ?? [], OutboxMessageTypes.Json)).ToArray()));

            var datasets = lineage.SelectMany(l => l.L.Datasets.Select(d => (l.ModelVersionId, D: d))).ToList();
            batch.BatchCommands.Add(Command(InsertDatasets, datasets.Select(d => d.ModelVersionId).ToArray(),
                datasets.Select(d => d.D.Name).ToArray(), datasets.Select(d => d.D.Version).ToArray(), datasets.Select(d => d.D.Digest).ToArray()));

            var versionTags = registered.SelectMany(r => (r.P.Message.Tags ?? []).Select(t => (r.V.ModelVersionId, T: t))).ToList();
            batch.BatchCommands.Add(Command(InsertVersionTags, versionTags.Select(t => t.ModelVersionId).ToArray(),
                versionTags.Select(t => t.T.Key).ToArray(), versionTags.Select(t => t.T.Value).ToArray()));

            var modelTags = perModel.SelectMany(m => (m.Last.Tags ?? []).Select(t => (m.ModelId, T: t))).ToList();
            batch.BatchCommands.Add(Command(DeleteModelTags, perModel.Select(m => m.ModelId).ToArray(), modelTags.Select(t => t.ModelId).ToArray(),
                modelTags.Select(t => t.T.Key).ToArray(), modelTags.Select(t => t.T.Value).ToArray()));
            batch.BatchCommands.Add(Command(InsertModelTags, modelTags.Select(t => t.ModelId).ToArray(),
                modelTags.Select(t => t.T.Key).ToArray(), modelTags.Select(t => t.T.Value).ToArray()));
        }
    }

    private static NpgsqlBatchCommand OutboxRows(IReadOnlyList<OutboxEntry> entries) =>
        Command(InsertOutbox, entries.Select(e => e.MessageId).ToArray(), entries.Select(e => e.MessageType).ToArray(),
            entries.Select(e => e.Body).ToArray());

    private static AuditAppend RegisteredAudit(ModelTrained m, ModelVersionRegistered v, Guid? messageId) =>
        new(AuditActor, "version.registered", "model_version", $"{v.ModelName}/{v.Version}", v.ModelName, new
        {
            version = v.Version,
            modelVersionId = v.ModelVersionId,
            manifestDigest = v.ManifestDigest,
            idempotencyKey = v.IdempotencyKey,
            trainingRunId = m.Lineage!.TrainingRunId,
            codeRepository = m.Lineage.CodeRepository,
            codeCommit = m.Lineage.CodeCommit,
            baseModel = m.Lineage.BaseModel is { } b ? $"{b.Name}/{b.Version}" : null,
            ownerTeam = m.OwnerTeam,
            riskTier = m.RiskTier,
            files = m.Artifact!.Files.Count,
            messageId,
        });

    // Refused input may be anything: the record keeps a storable, bounded copy of what identifies it.
    private static AuditAppend RejectedAudit(ModelTrained m, ModelRegistrationRejected r, Guid? messageId) =>
        new(AuditActor, "registration.rejected", "model", AuditText.ModelSubject(m.ModelName), AuditText.ModelName(m.ModelName), new
        {
            reasonCode = r.ReasonCode,
            reason = AuditText.Storable(r.Message),
            idempotencyKey = AuditText.Storable(r.IdempotencyKey),
            trainingRunId = AuditText.Storable(r.TrainingRunId),
            codeCommit = AuditText.Storable(m.Lineage?.CodeCommit),
            messageId,
        });

    // Refused input is echoed bounded and storable (no NUL, no unpaired surrogate): the event and the row must be written.
    private static ModelRegistrationRejected Rejection(ModelTrained m, string? key, string code, string reason, DateTimeOffset now) => new()
    {
        ModelName = Bounded.Clip(m.ModelName, 200),
        IdempotencyKey = key is null ? null : Bounded.Clip(key, 200),
        TrainingRunId = m.Lineage?.TrainingRunId is { } run ? Bounded.Clip(run, 200) : null,
        ReasonCode = code,
        Message = Bounded.Storable(reason),
        RejectedAt = now,
    };

    // (A lone string[] argument would become the params array itself: callers pass it as object.)
    private static NpgsqlBatchCommand Command(string sql, params object?[] values)
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

    private sealed record Pending(ModelTrained Message, string? IdempotencyKey, string? ManifestDigest, IReadOnlyList<StoredFile> Files,
        Guid? MessageId, DateTimeOffset Now, string? ReasonCode, string? Reason)
    {
        public TaskCompletionSource<RegistrationResult> Result { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

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
