using Npgsql;
using NpgsqlTypes;

namespace ModelRegistry.Platform.Outbox;

/// <summary>
/// The statements one unit of work adds to its transaction: the inbox mark and outbox rows go in
/// the same commit as the state change they belong to.
/// </summary>
public static class TransactionalWork
{
    private const string InsertInbox = """
        INSERT INTO registry.inbox (message_id, consumer) VALUES ($1, $2) ON CONFLICT DO NOTHING
        """;

    private const string InsertOutbox = """
        INSERT INTO registry.outbox (message_id, message_type, body) VALUES ($1, $2, $3)
        """;

    /// <summary>Marks the message as processed by the consumer; false when it already was.</summary>
    public static async Task<bool> TryMarkInboxAsync(NpgsqlConnection connection, NpgsqlTransaction transaction,
        Guid? messageId, string consumer, CancellationToken cancellationToken)
    {
        if (messageId is null) return true; // no transport id: the business key alone guards the effect
        await using var command = new NpgsqlCommand(InsertInbox, connection, transaction)
        {
            Parameters = { new() { Value = messageId.Value }, new() { Value = consumer } },
        };
        return await command.ExecuteNonQueryAsync(cancellationToken) == 1;
    }

    public static NpgsqlBatchCommand Outbox(OutboxEntry entry) => new(InsertOutbox)
    {
        Parameters =
        {
            new() { Value = entry.MessageId },
            new() { Value = entry.MessageType },
            new() { Value = entry.Body, NpgsqlDbType = NpgsqlDbType.Text },
        },
    };
}
