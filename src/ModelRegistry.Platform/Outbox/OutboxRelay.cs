using Dapper;
using ModelRegistry.Platform.Rules;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace ModelRegistry.Platform.Outbox;

/// <summary>Publishes an outbox message to the broker; completes when the broker confirmed it.</summary>
public interface IOutboxPublisher
{
    Task PublishAsync(Guid messageId, object message, CancellationToken cancellationToken);
}

/// <summary>
/// Moves committed outbox rows to the broker: wakes on NOTIFY (or every second), takes a batch with
/// FOR UPDATE SKIP LOCKED so several hosts share the work, publishes it with confirms, deletes the
/// rows the broker confirmed, commits. A crash before the delete commits publishes them again: at
/// least once. Rows with an ordering key (<see cref="OutboxEntry.OrderingKey"/>: a model's stage changes) are
/// published in sequence order: a row whose key has an earlier row still in the outbox that another relay holds is
/// deferred (left for a later batch, unpublished), and the rows of one key in a batch are published one after the other,
/// each once the broker confirmed the one before (a failed one stops the rest of its key). A batch never waits longer than <see cref="OutboxOptions.BatchTimeout"/>: a publish
/// whose confirm does not come (a channel lost in a broker restart) is cancelled, or left behind
/// if it ignores its cancellation; its rows stay for the next batch and the transaction ends,
/// releasing their locks. A row that cannot be read
/// as its message type is moved to <c>registry.outbox_dead</c> and stops nothing else.
/// </summary>
public sealed class OutboxRelay(NpgsqlDataSource dataSource, IOutboxPublisher publisher, OutboxOptions options,
    TimeProvider clock, ILogger<OutboxRelay> logger) : BackgroundService
{
    public const int BatchSize = 500;
    private static readonly TimeSpan PollInterval = TimeSpan.FromSeconds(1);
    // How soon a relay looks again at rows it deferred: the relay holding the earlier row of their key is publishing it.
    private static readonly TimeSpan DeferredRetry = TimeSpan.FromMilliseconds(20);
    private int deferred; // rows the last batch deferred
    private readonly SemaphoreSlim wake = new(0);
    private DateTimeOffset? failingSince;
    private CancellationTokenSource? inFlight;
    private long inFlightSinceTicks; // UTC ticks, 0 while no batch runs; read by the watchdog's thread
    private volatile string? abandoned;
    private string? lastError;

    /// <summary>
    /// Since when every batch has failed, or since when the batch in flight has run over twice its time limit (it
    /// should have been ended at its limit: a relay wedged there publishes nothing and reports no failure); null while
    /// the relay works. The host's watchdog reads it.
    /// </summary>
    public DateTimeOffset? FailingSince => failingSince ?? Overrun();

    /// <summary>Why the relay is failing, while <see cref="FailingSince"/> is set.</summary>
    public string? LastError => failingSince is not null ? lastError
        : Overrun() is { } since ? $"an outbox batch has been in flight since {since:O}, over its limit of {options.BatchTimeout.TotalSeconds:0} s (Outbox:BatchTimeoutSeconds)"
        : null;

    private DateTimeOffset? Overrun()
    {
        var ticks = Interlocked.Read(ref inFlightSinceTicks);
        if (ticks == 0) return null;
        var since = new DateTimeOffset(ticks, TimeSpan.Zero);
        return clock.GetUtcNow() - since > 2 * options.BatchTimeout ? since : null;
    }

    // Deferred: a keyed row with an earlier row of its key that this batch did not take (another relay holds it, since it
    // is skipped only when locked). A model's rows are written under its row lock, so their sequence is their commit order.
    private const string TakeBatch = """
        WITH taken AS MATERIALIZED (
            SELECT sequence, message_id, message_type, body, created_at, ordering_key
            FROM registry.outbox ORDER BY sequence LIMIT @BatchSize FOR UPDATE SKIP LOCKED)
        SELECT t.sequence, t.message_id AS MessageId, t.message_type AS MessageType, t.body AS Body, t.created_at AS CreatedAt,
               t.ordering_key AS OrderingKey,
               t.ordering_key IS NOT NULL AND EXISTS (
                   SELECT 1 FROM registry.outbox e
                   WHERE e.ordering_key = t.ordering_key AND e.sequence < t.sequence
                     AND NOT EXISTS (SELECT 1 FROM taken x WHERE x.sequence = e.sequence)) AS Deferred
        FROM taken t ORDER BY t.sequence
        """;

    private const string Delete = "DELETE FROM registry.outbox WHERE sequence = ANY(@sequences)";

    private const string Bury = """
        WITH moved AS (DELETE FROM registry.outbox WHERE sequence = @Sequence RETURNING *)
        INSERT INTO registry.outbox_dead (sequence, message_id, message_type, body, created_at, reason, ordering_key)
        SELECT sequence, message_id, message_type, body, created_at, @Reason, ordering_key FROM moved
        """;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var listener = ListenAsync(stoppingToken);
        var failures = 0;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                // A full batch: go on at once, unless it deferred rows (taking them again at once would only spin).
                while (await RelayBatchAsync(stoppingToken) == BatchSize && deferred == 0)
                {
                }
                failingSince = null;
                lastError = null;
                failures = 0;
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception e)
            {
                lastError = e.GetBaseException().Message;
                failingSince ??= clock.GetUtcNow();
                failures++;
                logger.LogWarning(e, "Outbox relay failed (failing since {Since:O}); retrying in {Delay:0} s", failingSince, Backoff(failures).TotalSeconds);
            }
            try
            {
                // After a failure, stay away from the broker for a while, NOTIFY or not: RabbitMQ.Client 7.2.2's shutdown
                // handler for a lost connection needs the publisher-confirm lock that our publishes keep taking (#1930);
                // a relay that publishes again at once can keep the dead connection from ever being replaced.
                if (failures > 0) await Task.Delay(Backoff(failures), clock, stoppingToken);
                else await wake.WaitAsync(deferred > 0 ? DeferredRetry : PollInterval, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }
        await listener;
    }

    /// <summary>2 s after the first failure, doubling to 10 s.</summary>
    private static TimeSpan Backoff(int failures) => TimeSpan.FromSeconds(Math.Min(10, 2 << Math.Min(failures - 1, 3)));

    /// <summary>
    /// Publishes one batch; returns how many rows it took, deferred ones included (<see cref="Deferred"/>). Throws when any
    /// publish failed or timed out.
    /// </summary>
    public async Task<int> RelayBatchAsync(CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(options.BatchTimeout);
        Volatile.Write(ref inFlight, timeout);
        Interlocked.Exchange(ref inFlightSinceTicks, clock.GetUtcNow().UtcTicks);
        abandoned = null;
        try
        {
            return await RelayAsync(timeout.Token);
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            throw new TimeoutException(abandoned is { } why
                ? $"an outbox batch was abandoned ({why}); its rows are published again"
                : $"an outbox batch did not complete within {options.BatchTimeout.TotalSeconds:0} s (Outbox:BatchTimeoutSeconds); its rows are published again");
        }
        finally
        {
            Interlocked.Exchange(ref inFlightSinceTicks, 0);
            Interlocked.CompareExchange(ref inFlight, null, timeout);
        }
    }

    /// <summary>
    /// Cancels the batch in flight, if any: its publishes are waiting for confirms of a connection that is gone, and a
    /// publish that never completes also keeps MassTransit from replacing the connection its receive endpoints share
    /// (the fault suite saw every consumer gone until the batch timed out). Called by the host's health check when the
    /// broker does not answer.
    /// </summary>
    public void AbandonInFlight(string why)
    {
        if (Volatile.Read(ref inFlight) is not { } batch) return;
        abandoned = why;
        try
        {
            batch.Cancel();
        }
        catch (ObjectDisposedException)
        {
            // That batch has just ended.
        }
    }

    /// <summary>How many rows the last batch deferred: their key has an earlier row that another relay holds.</summary>
    public int Deferred => Volatile.Read(ref deferred);

    private async Task<int> RelayAsync(CancellationToken token)
    {
        Volatile.Write(ref deferred, 0);
        await using var connection = await dataSource.OpenConnectionAsync(token);
        await using var transaction = await connection.BeginTransactionAsync(token);
        var rows = (await connection.QueryAsync<Row>(new CommandDefinition(TakeBatch, new { BatchSize }, transaction, cancellationToken: token))).ToList();
        if (rows.Count == 0) return 0;

        var publishes = new List<(Row Row, Task Task)>(rows.Count);
        // The last publish of each key in this batch: the next one of the key waits for its confirm.
        var lastOfKey = new Dictionary<string, Task>(StringComparer.Ordinal);
        var held = 0;
        foreach (var row in rows)
        {
            if (row.Deferred)
            {
                held++;
                continue;
            }
            object message;
            try
            {
                message = new OutboxEntry(row.MessageId, row.MessageType, row.Body).Deserialize();
            }
            catch (Exception e) when (e is System.Text.Json.JsonException or InvalidOperationException or NotSupportedException or ArgumentException)
            {
                logger.LogError("Outbox message {MessageId} ({MessageType}) cannot be published and was moved to registry.outbox_dead: {Reason}",
                    row.MessageId, Bounded.Clip(row.MessageType, 200), e.Message);
                await connection.ExecuteAsync(new CommandDefinition(Bury, new { row.Sequence, Reason = Bounded.Clip(e.Message, 2000) }, transaction, cancellationToken: token));
                continue;
            }
            Task publish;
            if (row.OrderingKey is null) publish = publisher.PublishAsync(row.MessageId, message, token);
            else
            {
                // Concurrent publishes of one channel may reach the broker in any order; one at a time per key they cannot.
                publish = lastOfKey.TryGetValue(row.OrderingKey, out var before)
                    ? PublishAfterAsync(before, row.MessageId, message, token)
                    : publisher.PublishAsync(row.MessageId, message, token);
                lastOfKey[row.OrderingKey] = publish;
            }
            publishes.Add((row, publish));
        }
        Volatile.Write(ref deferred, held);
        if (held > 0) logger.LogDebug("Outbox relay deferred {Count} rows: an earlier row of their ordering key is held by another relay", held);
        var all = Task.WhenAll(publishes.Select(p => p.Task));
        try
        {
            // Bounded here, not only by the token handed to each publish: a publish caught in a broker restart has been
            // seen to ignore its cancellation (MassTransit 8.5 / RabbitMQ.Client 7.2), and a relay awaiting it would
            // hold its rows locked and publish nothing, for good, without ever reporting a failure.
            await all.WaitAsync(token);
        }
        catch (Exception)
        {
            // Keep what the broker confirmed; the rest stays for the next batch.
            if (!all.IsCompleted) _ = all.ContinueWith(static t => t.Exception, CancellationToken.None,
                TaskContinuationOptions.OnlyOnFaulted | TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        }
        var confirmed = publishes.Where(p => p.Task.IsCompletedSuccessfully).Select(p => p.Row.Sequence).ToArray();
        var failed = publishes.FirstOrDefault(p => !p.Task.IsCompletedSuccessfully).Task;
        if (failed is not null && token.IsCancellationRequested)
        {
            // The transaction cannot outlive the batch's time: nothing is deleted, everything goes again.
            token.ThrowIfCancellationRequested();
        }
        if (confirmed.Length > 0)
            await connection.ExecuteAsync(new CommandDefinition(Delete, new { sequences = confirmed }, transaction, cancellationToken: token));
        await transaction.CommitAsync(token);
        if (failed is not null) await failed;
        return rows.Count;
    }

    /// <summary>Publishes once <paramref name="before"/> (the previous row of the same key) was confirmed; fails with it.</summary>
    private async Task PublishAfterAsync(Task before, Guid messageId, object message, CancellationToken token)
    {
        await before;
        await publisher.PublishAsync(messageId, message, token);
    }

    private sealed record Row(long Sequence, Guid MessageId, string MessageType, string Body, DateTime CreatedAt, string? OrderingKey, bool Deferred);

    private async Task ListenAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await using var connection = await dataSource.OpenConnectionAsync(stoppingToken);
                connection.Notification += (_, _) =>
                {
                    if (wake.CurrentCount == 0) wake.Release();
                };
                await connection.ExecuteAsync("LISTEN mreg_outbox");
                while (!stoppingToken.IsCancellationRequested) await connection.WaitAsync(stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                // Polling still relays; listening again only restores the low latency.
                logger.LogDebug(e, "Outbox listener lost its connection");
                try
                {
                    await Task.Delay(PollInterval, stoppingToken);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }
    }

    public override void Dispose()
    {
        wake.Dispose();
        base.Dispose();
    }
}
