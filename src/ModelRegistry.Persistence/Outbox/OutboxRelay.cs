using Dapper;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace ModelRegistry.Persistence.Outbox;

/// <summary>Publishes an outbox entry to the broker; completes when the broker confirmed it.</summary>
public interface IOutboxPublisher
{
    Task PublishAsync(OutboxEntry entry, CancellationToken cancellationToken);
}

/// <summary>
/// Moves committed outbox rows to the broker: wakes on NOTIFY (or every second), takes a batch with
/// FOR UPDATE SKIP LOCKED so several hosts share the work, publishes it with confirms, deletes it,
/// commits. A crash before the delete commits publishes the batch again: at least once.
/// </summary>
public sealed class OutboxRelay(NpgsqlDataSource dataSource, IOutboxPublisher publisher, ILogger<OutboxRelay> logger)
    : BackgroundService
{
    public const int BatchSize = 500;
    private static readonly TimeSpan PollInterval = TimeSpan.FromSeconds(1);
    private readonly SemaphoreSlim wake = new(0);

    private const string TakeBatch = """
        SELECT sequence, message_id AS MessageId, message_type AS MessageType, body AS Body
        FROM registry.outbox ORDER BY sequence LIMIT @BatchSize FOR UPDATE SKIP LOCKED
        """;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var listener = ListenAsync(stoppingToken);
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                while (await RelayBatchAsync(stoppingToken) == BatchSize)
                {
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception e)
            {
                logger.LogWarning(e, "Outbox relay failed; retrying");
            }
            try
            {
                await wake.WaitAsync(PollInterval, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }
        await listener;
    }

    /// <summary>Publishes one batch; returns how many rows it moved.</summary>
    public async Task<int> RelayBatchAsync(CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var rows = (await connection.QueryAsync<(long Sequence, Guid MessageId, string MessageType, string Body)>(
            new CommandDefinition(TakeBatch, new { BatchSize }, transaction, cancellationToken: cancellationToken))).ToList();
        if (rows.Count == 0) return 0;
        await Task.WhenAll(rows.Select(r => publisher.PublishAsync(new OutboxEntry(r.MessageId, r.MessageType, r.Body), cancellationToken)));
        await connection.ExecuteAsync(new CommandDefinition("DELETE FROM registry.outbox WHERE sequence = ANY(@sequences)",
            new { sequences = rows.Select(r => r.Sequence).ToArray() }, transaction, cancellationToken: cancellationToken));
        await transaction.CommitAsync(cancellationToken);
        return rows.Count;
    }

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
