using Dapper;
using Npgsql;

namespace ModelRegistry.Platform.Outbox;

/// <summary>An outbox row the relay set aside (<c>registry.outbox_dead</c>), its body cut to 500 characters.</summary>
public sealed record DeadOutboxRow(long Sequence, Guid MessageId, string MessageType, DateTime CreatedAt, DateTime FailedAt, string Reason, string Body);

/// <summary>What <c>mreg outbox dead list|retry</c> reads and does.</summary>
public static class DeadOutboxRows
{
    private const string List = """
        SELECT sequence, message_id AS MessageId, message_type AS MessageType, created_at AS CreatedAt, failed_at AS FailedAt,
               reason AS Reason, left(body, 500) AS Body
        FROM registry.outbox_dead ORDER BY sequence LIMIT @limit
        """;

    // Back into the outbox under its own message id (consumers still deduplicate it) and ordering key, at the end: a model's
    // stage change retried this way comes after its later ones, and receivers ignore its lower stageSequence.
    private const string Retry = """
        WITH moved AS (DELETE FROM registry.outbox_dead WHERE @all OR message_id = @messageId RETURNING *)
        INSERT INTO registry.outbox (message_id, message_type, body, created_at, ordering_key)
        SELECT message_id, message_type, body, created_at, ordering_key FROM moved ORDER BY sequence
        """;

    public static async Task<IReadOnlyList<DeadOutboxRow>> ListAsync(NpgsqlConnection connection, int limit, CancellationToken ct) =>
        (await connection.QueryAsync<DeadOutboxRow>(new CommandDefinition(List, new { limit = Math.Max(1, limit) }, cancellationToken: ct))).ToList();

    /// <summary>Puts one row (or all, when <paramref name="messageId"/> is null) back in the outbox; how many moved.</summary>
    public static Task<int> RetryAsync(NpgsqlConnection connection, Guid? messageId, CancellationToken ct) =>
        connection.ExecuteAsync(new CommandDefinition(Retry, new { all = messageId is null, messageId }, cancellationToken: ct));
}
