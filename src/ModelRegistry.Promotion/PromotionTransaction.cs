using ModelRegistry.Platform.Audit;
using ModelRegistry.Platform.Outbox;
using Npgsql;
using ModelRegistry.Platform;
using ModelRegistry.Platform.Rules;

namespace ModelRegistry.Promotion;

/// <summary>
/// The unit of work of one promotion or rollback message: one PostgreSQL transaction that carries the saga row, the
/// stage changes, the outgoing events (transactional outbox) and the audit records, so they commit or vanish together.
/// Work that must happen outside the database (scheduling a Quartz deadline) is queued to run just before the commit
/// (idempotent, tolerated if the commit then fails) or just after it (cancelling, best effort).
/// </summary>
public sealed class PromotionTransaction : IAsyncDisposable
{
    private readonly List<OutboxEntry> outbox = [];
    private readonly List<AuditAppend> audits = [];
    private readonly List<Func<CancellationToken, Task>> beforeCommit = [];
    private readonly List<Func<CancellationToken, Task>> afterCommit = [];

    private PromotionTransaction(NpgsqlConnection connection, NpgsqlTransaction transaction)
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

    public static async Task<PromotionTransaction> BeginAsync(NpgsqlDataSource dataSource, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(dataSource);
        var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        try
        {
            var transaction = await connection.BeginTransactionAsync(cancellationToken);
            return new PromotionTransaction(connection, transaction);
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
    }

    /// <summary>Publishes <paramref name="message"/> once the transaction commits (through the outbox).</summary>
    public void Publish<T>(T message) where T : class => outbox.Add(OutboxEntry.For(message));

    /// <summary>Appends <paramref name="record"/> to the audit log at commit, and announces it with AuditRecorded.</summary>
    public void Audit(AuditAppend record) => audits.Add(record);

    public void BeforeCommit(Func<CancellationToken, Task> action) => beforeCommit.Add(action);

    public void AfterCommit(Func<CancellationToken, Task> action) => afterCommit.Add(action);

    /// <summary>
    /// Runs the before-commit work, appends the audit records (last, for the audit lock's sake), writes the outbox, commits,
    /// then runs the after-commit work. Returns the failures of the after-commit work (the commit stands regardless).
    /// </summary>
    public async Task<IReadOnlyList<Exception>> CommitAsync(DateTimeOffset now, CancellationToken cancellationToken)
    {
        foreach (var action in beforeCommit) await action(cancellationToken);
        var entries = new List<OutboxEntry>(outbox);
        foreach (var stored in await AuditLog.AppendManyAsync(Connection, Transaction, audits, now, cancellationToken))
            entries.Add(OutboxEntry.For(AuditLog.ToEvent(stored)));
        if (entries.Count > 0)
        {
            await using var batch = new NpgsqlBatch(Connection, Transaction);
            foreach (var entry in entries) batch.BatchCommands.Add(TransactionalWork.Outbox(entry));
            await batch.ExecuteNonQueryAsync(cancellationToken);
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

    public async ValueTask DisposeAsync()
    {
        await Transaction.DisposeAsync();
        await Connection.DisposeAsync();
    }
}
