using ModelRegistry.Platform.Audit;
using ModelRegistry.Platform.Outbox;
using Npgsql;
using NpgsqlTypes;

namespace ModelRegistry.Platform;

/// <summary>
/// The one unit of work every worker writes through: one PostgreSQL transaction that carries the inbox mark, the
/// worker's own rows (through <see cref="Connection"/> and <see cref="Transaction"/>), the outgoing events
/// (transactional outbox) and the audit records with their AuditRecorded announcements, so they commit or vanish
/// together. Work that must happen outside the database (scheduling a Quartz deadline) is queued to run just before
/// the commit (idempotent, tolerated if the commit then fails) or just after it (cancelling, best effort).
/// </summary>
public sealed class UnitOfWork : IAsyncDisposable
{
    private const string InsertInbox = """
        INSERT INTO registry.inbox (message_id, consumer) VALUES ($1, $2) ON CONFLICT DO NOTHING
        """;

    // One statement for every event of the unit, however many: a registration group writes hundreds.
    private const string InsertOutbox = """
        INSERT INTO registry.outbox (message_id, message_type, body, ordering_key)
        SELECT * FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[])
        """;

    private readonly List<OutboxEntry> outbox = [];
    private readonly List<AuditAppend> audits = [];
    private readonly List<Func<CancellationToken, Task>> beforeCommit = [];
    private readonly List<Func<CancellationToken, Task>> afterCommit = [];

    private UnitOfWork(NpgsqlConnection connection, NpgsqlTransaction transaction)
    {
        Connection = connection;
        Transaction = transaction;
    }

    public NpgsqlConnection Connection { get; }
    public NpgsqlTransaction Transaction { get; }

    /// <summary>Audit records queued so far (appended at commit).</summary>
    public IReadOnlyList<AuditAppend> PendingAudits => audits;

    /// <summary>Events queued so far (written to the outbox at commit).</summary>
    public IReadOnlyList<OutboxEntry> PendingEvents => outbox;

    public static async Task<UnitOfWork> BeginAsync(NpgsqlDataSource dataSource, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(dataSource);
        var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        try
        {
            var transaction = await connection.BeginTransactionAsync(cancellationToken);
            return new UnitOfWork(connection, transaction);
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
    }

    /// <summary>
    /// Marks the message as processed by <paramref name="consumer"/>; false when it already was (a redelivery: do
    /// nothing). A message without a transport id is always new: its business key alone guards the effect.
    /// </summary>
    public async Task<bool> TryMarkInboxAsync(Guid? messageId, string consumer, CancellationToken cancellationToken)
    {
        if (messageId is null) return true;
        await using var command = new NpgsqlCommand(InsertInbox, Connection, Transaction)
        {
            Parameters = { new() { Value = messageId.Value }, new() { Value = consumer } },
        };
        return await command.ExecuteNonQueryAsync(cancellationToken) == 1;
    }

    /// <summary>
    /// Publishes <paramref name="message"/> once the transaction commits (through the outbox); after the events written
    /// earlier with the same <paramref name="orderingKey"/>, if one is given (<see cref="OutboxEntry.OrderingKey"/>).
    /// </summary>
    public void Publish<T>(T message, string? orderingKey = null) where T : class => outbox.Add(OutboxEntry.For(message, orderingKey: orderingKey));

    /// <summary>Publishes an event already in its outbox form once the transaction commits.</summary>
    public void Publish(OutboxEntry entry) => outbox.Add(entry);

    /// <summary>Appends <paramref name="record"/> to the audit log at commit, and announces it with AuditRecorded.</summary>
    public void Audit(AuditAppend record) => audits.Add(record);

    public void BeforeCommit(Func<CancellationToken, Task> action) => beforeCommit.Add(action);

    public void AfterCommit(Func<CancellationToken, Task> action) => afterCommit.Add(action);

    /// <summary>
    /// Adds the insert of the events queued so far to <paramref name="batch"/> (the caller's own round trip with its rows)
    /// and takes them off the queue; a writer of many rows at once (a registration group) saves a round trip this way.
    /// </summary>
    public void AddQueuedEventsTo(NpgsqlBatch batch)
    {
        ArgumentNullException.ThrowIfNull(batch);
        if (outbox.Count == 0) return;
        batch.BatchCommands.Add(OutboxInsert(outbox));
        outbox.Clear();
    }

    /// <summary>
    /// Runs the before-commit work, writes the queued events, appends the audit records and writes their AuditRecorded
    /// events (last: the audit lock is held from the append to the commit, so nothing else waits inside it), commits,
    /// then runs the after-commit work. Returns the failures of the after-commit work (the commit stands regardless).
    /// </summary>
    public async Task<IReadOnlyList<Exception>> CommitAsync(DateTimeOffset now, CancellationToken cancellationToken)
    {
        foreach (var action in beforeCommit) await action(cancellationToken);
        await using (var batch = new NpgsqlBatch(Connection, Transaction))
        {
            AddQueuedEventsTo(batch);
            if (batch.BatchCommands.Count > 0) await batch.ExecuteNonQueryAsync(cancellationToken);
        }
        if (audits.Count > 0)
        {
            var stored = await AuditLog.AppendManyAsync(Connection, Transaction, audits, now, cancellationToken);
            await using var announce = new NpgsqlBatch(Connection, Transaction)
            {
                BatchCommands = { OutboxInsert(stored.Select(e => OutboxEntry.For(AuditLog.ToEvent(e))).ToList()) },
            };
            await announce.ExecuteNonQueryAsync(cancellationToken);
        }
        await Transaction.CommitAsync(cancellationToken);

        var failures = new List<Exception>();
        foreach (var action in afterCommit)
        {
            try
            {
                await action(CancellationToken.None);
            }
            catch (Exception e)
            {
                failures.Add(e);
            }
        }
        return failures;
    }

    private static NpgsqlBatchCommand OutboxInsert(IReadOnlyList<OutboxEntry> entries) => new(InsertOutbox)
    {
        Parameters =
        {
            new() { Value = entries.Select(e => e.MessageId).ToArray() },
            new() { Value = entries.Select(e => e.MessageType).ToArray() },
            new() { Value = entries.Select(e => e.Body).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text },
            new() { Value = entries.Select(e => e.OrderingKey).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text },
        },
    };

    public async ValueTask DisposeAsync()
    {
        await Transaction.DisposeAsync();
        await Connection.DisposeAsync();
    }
}
