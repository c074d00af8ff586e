using System.Data;
using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Text.Json;
using ModelRegistry.Contracts;
using ModelRegistry.Platform.Audit;
using Npgsql;
using NpgsqlTypes;

namespace ModelRegistry.Platform.Audit;

/// <summary>What to record: who did what to which thing, and the details (serialized to a JSON object).</summary>
/// <param name="Actor">A person, a service account, or a worker (e.g. <c>svc:registration</c>).</param>
/// <param name="Action">What was done, e.g. <c>version.registered</c>, <c>approval.refused</c>.</param>
/// <param name="SubjectType">The kind of thing, e.g. <c>model_version</c>.</param>
/// <param name="Subject">Which one, e.g. <c>sentiment/3</c>.</param>
/// <param name="ModelName">The model it concerns, if any.</param>
/// <param name="Details">Anything System.Text.Json serializes to an object (web defaults: camelCase): an anonymous
/// object, a record, a dictionary, a <see cref="JsonElement"/> or JsonNode; null means <c>{}</c>.</param>
public sealed record AuditAppend(string Actor, string Action, string SubjectType, string Subject, string? ModelName, object? Details);

/// <summary>Appends to <c>registry.audit_log</c> (migration 0004) inside the caller's transaction.</summary>
public static class AuditLog
{
    /// <summary>The advisory lock that orders appends across processes: "mregaudt".</summary>
    public const long AdvisoryLockKey = 0x6d726567_61756474;

    private static readonly JsonSerializerOptions DetailsOptions = new(JsonSerializerDefaults.Web);

    private const string TakeLock = "SELECT pg_advisory_xact_lock($1)";

    // A statement of its own, after the lock: under READ COMMITTED it then sees the last holder's committed record.
    private const string ReadLast = "SELECT sequence, hash FROM registry.audit_log ORDER BY sequence DESC LIMIT 1";

    private const string Insert = """
        INSERT INTO registry.audit_log
            (sequence, recorded_at, actor, action, subject_type, subject, model_name, details, previous_hash, hash)
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8::jsonb, $9, $10)
        """;

    /// <summary>
    /// Appends <paramref name="record"/> as the next record of the chain, in <paramref name="transaction"/>: it commits or rolls
    /// back with the change it records. Returns the record as stored, for <see cref="ToEvent"/>.
    /// </summary>
    /// <remarks>
    /// Takes a transaction-scoped advisory lock that every appender waits for until this transaction ends, so call it
    /// last, immediately before <c>CommitAsync</c>, and commit promptly. The transaction must be READ COMMITTED (Npgsql's and
    /// PostgreSQL's default): a snapshot taken before the lock would miss the previous holder's record.
    /// </remarks>
    /// <exception cref="ArgumentException">A required text is empty, or the details are not a JSON object that jsonb can store.</exception>
    public static async Task<AuditEntry> AppendAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, AuditAppend record,
        DateTimeOffset now, CancellationToken ct)
    {
        CheckTransaction(connection, transaction);
        ArgumentNullException.ThrowIfNull(record);
        ArgumentException.ThrowIfNullOrEmpty(record.Actor, nameof(record));
        ArgumentException.ThrowIfNullOrEmpty(record.Action, nameof(record));
        ArgumentException.ThrowIfNullOrEmpty(record.SubjectType, nameof(record));
        ArgumentException.ThrowIfNullOrEmpty(record.Subject, nameof(record));
        var details = SerializeDetails(record.Details);

        var (lastSequence, lastHash) = await LockAndReadLastAsync(connection, transaction, ct);

        var entry = AuditChain.Create(lastSequence + 1, lastHash, now, record.Actor, record.Action, record.SubjectType, record.Subject,
            string.IsNullOrEmpty(record.ModelName) ? null : record.ModelName, details);
        await using var insert = new NpgsqlCommand(Insert, connection, transaction)
        {
            Parameters =
            {
                new() { Value = entry.Sequence },
                new() { Value = entry.RecordedAt },
                new() { Value = entry.Actor },
                new() { Value = entry.Action },
                new() { Value = entry.SubjectType },
                new() { Value = entry.Subject },
                new() { Value = (object?)entry.ModelName ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text },
                new() { Value = entry.DetailsJson, NpgsqlDbType = NpgsqlDbType.Text },
                new() { Value = entry.PreviousHash },
                new() { Value = entry.Hash },
            },
        };
        await insert.ExecuteNonQueryAsync(ct);
        return entry;
    }

    // Rows in sequence order: the link trigger checks each against the one inserted before it in the same statement.
    private const string InsertMany = """
        INSERT INTO registry.audit_log
            (sequence, recorded_at, actor, action, subject_type, subject, model_name, details, previous_hash, hash)
        SELECT s, $2, a, ac, st, su, mn, d::jsonb, p, h
        FROM unnest($1::bigint[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[], $10::text[])
            AS r(s, a, ac, st, su, mn, d, p, h)
        ORDER BY s
        """;

    /// <summary>
    /// Appends <paramref name="records"/>, in order, as the next records of the chain, in <paramref name="transaction"/>, under one
    /// take of the lock and in one statement: what a unit of work that records many actions at once (a batch of registrations)
    /// uses instead of calling <see cref="AppendAsync"/> in a loop. Same rules as <see cref="AppendAsync"/>: last, immediately
    /// before commit, READ COMMITTED. All records get <paramref name="now"/>. Returns them as stored, in order.
    /// </summary>
    /// <exception cref="ArgumentException">A required text is empty, or some details are not a JSON object that jsonb can store
    /// (nothing is appended).</exception>
    public static async Task<IReadOnlyList<AuditEntry>> AppendManyAsync(NpgsqlConnection connection, NpgsqlTransaction transaction,
        IReadOnlyList<AuditAppend> records, DateTimeOffset now, CancellationToken ct)
    {
        CheckTransaction(connection, transaction);
        ArgumentNullException.ThrowIfNull(records);
        if (records.Count == 0) return [];
        var details = new string[records.Count];
        for (var i = 0; i < records.Count; i++)
        {
            var record = records[i] ?? throw new ArgumentNullException(nameof(records), $"record {i} is null");
            ArgumentException.ThrowIfNullOrEmpty(record.Actor, nameof(records));
            ArgumentException.ThrowIfNullOrEmpty(record.Action, nameof(records));
            ArgumentException.ThrowIfNullOrEmpty(record.SubjectType, nameof(records));
            ArgumentException.ThrowIfNullOrEmpty(record.Subject, nameof(records));
            details[i] = SerializeDetails(record.Details);
        }

        var (lastSequence, lastHash) = await LockAndReadLastAsync(connection, transaction, ct);

        var entries = new AuditEntry[records.Count];
        for (var i = 0; i < records.Count; i++)
        {
            var r = records[i];
            entries[i] = AuditChain.Create(lastSequence + 1, lastHash, now, r.Actor, r.Action, r.SubjectType, r.Subject,
                string.IsNullOrEmpty(r.ModelName) ? null : r.ModelName, details[i]);
            (lastSequence, lastHash) = (entries[i].Sequence, entries[i].Hash);
        }
        await using var insert = new NpgsqlCommand(InsertMany, connection, transaction)
        {
            Parameters =
            {
                new() { Value = entries.Select(e => e.Sequence).ToArray() },
                new() { Value = entries[0].RecordedAt },
                new() { Value = entries.Select(e => e.Actor).ToArray() },
                new() { Value = entries.Select(e => e.Action).ToArray() },
                new() { Value = entries.Select(e => e.SubjectType).ToArray() },
                new() { Value = entries.Select(e => e.Subject).ToArray() },
                new() { Value = entries.Select(e => e.ModelName).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text },
                new() { Value = entries.Select(e => e.DetailsJson).ToArray() },
                new() { Value = entries.Select(e => e.PreviousHash).ToArray() },
                new() { Value = entries.Select(e => e.Hash).ToArray() },
            },
        };
        await insert.ExecuteNonQueryAsync(ct);
        return entries;
    }

    private static void CheckTransaction(NpgsqlConnection connection, NpgsqlTransaction transaction)
    {
        ArgumentNullException.ThrowIfNull(connection);
        ArgumentNullException.ThrowIfNull(transaction);
        if (!ReferenceEquals(transaction.Connection, connection))
            throw new ArgumentException("the transaction belongs to another connection", nameof(transaction));
        if (transaction.IsolationLevel is not (IsolationLevel.ReadCommitted or IsolationLevel.Unspecified))
            throw new InvalidOperationException($"audit appends need a READ COMMITTED transaction, not {transaction.IsolationLevel}");
    }

    /// <summary>Takes the appenders' lock, then reads the last record (a statement of its own, so it sees the previous holder's).</summary>
    private static async Task<(long Sequence, string Hash)> LockAndReadLastAsync(NpgsqlConnection connection, NpgsqlTransaction transaction,
        CancellationToken ct)
    {
        await using var batch = new NpgsqlBatch(connection, transaction)
        {
            BatchCommands =
            {
                new NpgsqlBatchCommand(TakeLock) { Parameters = { new() { Value = AdvisoryLockKey } } },
                new NpgsqlBatchCommand(ReadLast),
            },
        };
        await using var reader = await batch.ExecuteReaderAsync(ct);
        await reader.NextResultAsync(ct);
        return await reader.ReadAsync(ct) ? (reader.GetInt64(0), reader.GetString(1)) : (0, AuditChain.Genesis);
    }

    /// <summary>The event that announces <paramref name="entry"/> to SIEM; put it in the outbox of the same transaction.</summary>
    public static AuditRecorded ToEvent(AuditEntry entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        return new AuditRecorded
        {
            Sequence = entry.Sequence,
            RecordedAt = entry.RecordedAt,
            Actor = entry.Actor,
            Action = entry.Action,
            SubjectType = entry.SubjectType,
            Subject = entry.Subject,
            ModelName = entry.ModelName,
            DetailsJson = AuditChain.CanonicalDetails(entry.DetailsJson),
            PreviousHash = entry.PreviousHash,
            Hash = entry.Hash,
        };
    }

    /// <summary>The details as canonical JSON (<see cref="AuditChain.CanonicalDetails"/>); they must be an object.</summary>
    public static string SerializeDetails(object? details)
    {
        var json = details switch
        {
            null => "{}",
            JsonDocument document => document.RootElement.GetRawText(),
            _ => JsonSerializer.Serialize(details, details.GetType(), DetailsOptions),
        };
        string canonical;
        try
        {
            canonical = AuditChain.CanonicalDetails(json);
        }
        catch (FormatException e)
        {
            throw new ArgumentException($"audit details cannot be stored: {e.Message}", nameof(details), e);
        }
        if (canonical[0] != '{')
            throw new ArgumentException($"audit details must be a JSON object, not {json[..Math.Min(json.Length, 40)]}", nameof(details));
        return canonical;
    }
}

/// <summary>The result of <see cref="AuditReader.VerifyAsync(CancellationToken)"/>: the chain's verdict and how fast it was read and checked.</summary>
public sealed record AuditVerificationReport(AuditVerification Verification, TimeSpan Elapsed)
{
    /// <summary>Records read and checked per second, the failing one included.</summary>
    public double RecordsPerSecond =>
        Elapsed > TimeSpan.Zero ? Verification.Read / Elapsed.TotalSeconds : 0;
}

/// <summary>Reads the audit log: recent records, a stream of all of them in sequence order, and the chain's verification.</summary>
public sealed class AuditReader(NpgsqlDataSource dataSource)
{
    public const int DefaultListLimit = 100;

    private const string Columns =
        "sequence, recorded_at, actor, action, subject_type, subject, model_name, details::text, previous_hash, hash";

    // The last `limit` records, returned oldest first ($1, the model, is null here).
    private const string ListSql = $"""
        SELECT {Columns} FROM (
            SELECT * FROM registry.audit_log WHERE $1::text IS NULL AND ($2::timestamptz IS NULL OR recorded_at >= $2)
            ORDER BY sequence DESC LIMIT $3) last
        ORDER BY sequence
        """;

    // The last `limit` records about model $1, returned oldest first: those that name it in model_name, and those that leave
    // model_name empty but are about it all the same: a refused rollback names it as its subject, a refused approval names a
    // promotion of it (whose promotion.requested record names the model), a refused evaluation names it in its details. Both
    // halves read audit_log_model (model_name, sequence), the second only its few NULL entries.
    private const string ListModelSql = $"""
        SELECT {Columns} FROM (
            (SELECT * FROM registry.audit_log
             WHERE model_name = $1 AND ($2::timestamptz IS NULL OR recorded_at >= $2)
             ORDER BY sequence DESC LIMIT $3)
            UNION ALL
            (SELECT * FROM registry.audit_log a
             WHERE a.model_name IS NULL AND ($2::timestamptz IS NULL OR a.recorded_at >= $2)
               AND ((a.subject_type = 'model' AND a.subject = $1)
                    OR a.details->>'model' = $1 OR a.details->>'modelName' = $1
                    OR (a.subject_type = 'promotion' AND a.subject IN (
                        SELECT p.subject FROM registry.audit_log p WHERE p.model_name = $1 AND p.subject_type = 'promotion')))
             ORDER BY a.sequence DESC LIMIT $3)
            ORDER BY sequence DESC LIMIT $3) last
        ORDER BY sequence
        """;

    private const string StreamAllSql = $"SELECT {Columns} FROM registry.audit_log ORDER BY sequence";

    private const string StreamSinceSql = $"SELECT {Columns} FROM registry.audit_log WHERE recorded_at >= $1 ORDER BY sequence";

    public async Task<IReadOnlyList<AuditEntry>> ListAsync(string? model, DateTimeOffset? since, int limit, CancellationToken ct = default)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        return await ListAsync(connection, model, since, limit, ct);
    }

    /// <summary>Every record (recorded at or after <paramref name="since"/>, when given) in sequence order, streamed.</summary>
    public async IAsyncEnumerable<AuditEntry> StreamAsync(DateTimeOffset? since, [EnumeratorCancellation] CancellationToken ct = default)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        await foreach (var entry in StreamAsync(connection, since, ct)) yield return entry;
    }

    /// <summary>Walks the whole chain from record 1 and lists every record that breaks it.</summary>
    public async Task<AuditVerificationReport> VerifyAsync(CancellationToken ct = default)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        return await VerifyAsync(connection, ct);
    }

    /// <summary>The last <paramref name="limit"/> records of <paramref name="model"/> (any model when null) recorded at or after
    /// <paramref name="since"/>, oldest first.</summary>
    public static async Task<IReadOnlyList<AuditEntry>> ListAsync(NpgsqlConnection connection, string? model, DateTimeOffset? since, int limit,
        CancellationToken ct)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(limit, 1);
        await using var command = new NpgsqlCommand(model is null ? ListSql : ListModelSql, connection)
        {
            Parameters =
            {
                new() { Value = (object?)model ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text },
                new() { Value = since is { } s ? s.ToUniversalTime() : DBNull.Value, NpgsqlDbType = NpgsqlDbType.TimestampTz },
                new() { Value = limit },
            },
        };
        var entries = new List<AuditEntry>();
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct)) entries.Add(Read(reader));
        return entries;
    }

    /// <summary>
    /// Every record (at or after <paramref name="since"/>) in sequence order. Rows are read as they arrive, so memory stays
    /// flat however long the log is.
    /// </summary>
    public static async IAsyncEnumerable<AuditEntry> StreamAsync(NpgsqlConnection connection, DateTimeOffset? since,
        [EnumeratorCancellation] CancellationToken ct = default)
    {
        await using var command = since is { } s
            ? new NpgsqlCommand(StreamSinceSql, connection) { Parameters = { new() { Value = s.ToUniversalTime() } } }
            : new NpgsqlCommand(StreamAllSql, connection);
        await using var reader = await command.ExecuteReaderAsync(CommandBehavior.SequentialAccess, ct);
        while (await reader.ReadAsync(ct)) yield return Read(reader);
    }

    /// <summary>
    /// Walks the whole chain from record 1 and lists every record that breaks it. Reads the log by binary COPY and
    /// checks each record's bytes where they arrive (<see cref="AuditChainCopyVerifier"/>): a few times faster than
    /// <see cref="VerifyRowByRowAsync"/>, with the same result.
    /// </summary>
    public static Task<AuditVerificationReport> VerifyAsync(NpgsqlConnection connection, CancellationToken ct) =>
        VerifyAsync(connection, AuditChainCopyVerifier.SplitAbove, ct);

    /// <summary>
    /// <see cref="VerifyAsync(NpgsqlConnection, CancellationToken)"/>, reading the log in two halves over two connections when it
    /// holds more than <paramref name="splitAbove"/> records (the default is 100,000; tests split small logs).
    /// </summary>
    public static async Task<AuditVerificationReport> VerifyAsync(NpgsqlConnection connection, long splitAbove, CancellationToken ct)
    {
        var clock = Stopwatch.StartNew();
        var verification = await AuditChainCopyVerifier.VerifyAsync(connection, splitAbove, ct);
        clock.Stop();
        return new AuditVerificationReport(verification, clock.Elapsed);
    }

    /// <summary>
    /// The reference for <see cref="VerifyAsync(NpgsqlConnection, CancellationToken)"/>: the same walk over
    /// <see cref="AuditEntry"/> rows read by a data reader and checked as text.
    /// </summary>
    public static async Task<AuditVerificationReport> VerifyRowByRowAsync(NpgsqlConnection connection, CancellationToken ct)
    {
        var verifier = new AuditChainVerifier();
        var clock = Stopwatch.StartNew();
        await using (var command = new NpgsqlCommand(StreamAllSql, connection))
        {
            await using var reader = await command.ExecuteReaderAsync(CommandBehavior.SequentialAccess, ct);
            while (await reader.ReadAsync(ct)) verifier.Add(Read(reader));
        }
        clock.Stop();
        return new AuditVerificationReport(verifier.Result, clock.Elapsed);
    }

    // Columns in order, as SequentialAccess requires.
    private static AuditEntry Read(NpgsqlDataReader r) => new(
        r.GetInt64(0),
        r.GetFieldValue<DateTimeOffset>(1),
        r.GetString(2),
        r.GetString(3),
        r.GetString(4),
        r.GetString(5),
        r.IsDBNull(6) ? null : r.GetString(6),
        r.GetString(7),
        r.GetString(8),
        r.GetString(9));
}
