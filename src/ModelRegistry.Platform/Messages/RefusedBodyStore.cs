using System.Text.Json;
using ModelRegistry.Platform.Rules;
using ModelRegistry.Platform.Outbox;
using Npgsql;
using NpgsqlTypes;

namespace ModelRegistry.Platform;

/// <summary>
/// Keeps a body refused unread for its size (its head, size and SHA-256) in registry.rejections, and writes the
/// rejection event to the outbox in the same transaction. A redelivered message (same transport message id) is
/// refused once.
/// </summary>
public sealed class RefusedBodyStore(NpgsqlDataSource dataSource, TimeProvider clock)
{
    public const string Consumer = "refused-body";

    private const string InsertRejection = """
        INSERT INTO registry.rejections (kind, message_id, subject, reason_code, reason, payload)
        VALUES ($1, $2, $3, $4, $5, $6::jsonb)
        """;

    /// <summary>Stores the refusal and its event; false when this message id was refused before.</summary>
    public Task<bool> RefuseAsync(RefusedBody refused, OutboxEntry rejection, CancellationToken cancellationToken) =>
        DatabaseResilience.Pipeline.ExecuteAsync(async token =>
        {
            ArgumentNullException.ThrowIfNull(refused);
            await using var work = await UnitOfWork.BeginAsync(dataSource, token);
            if (!await work.TryMarkInboxAsync(refused.MessageId, Consumer, token)) return false;
            var payload = JsonSerializer.Serialize(new
            {
                truncated = true,
                size = refused.Head.Size,
                sha256 = refused.Head.Sha256,
                exchange = refused.Exchange,
                head = refused.Head.Text,
            }, OutboxMessageTypes.Json);
            await using (var insert = new NpgsqlCommand(InsertRejection, work.Connection, work.Transaction)
            {
                Parameters =
                {
                    new() { Value = refused.Kind },
                    new() { Value = (object?)refused.MessageId ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Uuid },
                    new() { Value = refused.Subject },
                    new() { Value = refused.ReasonCode },
                    new() { Value = refused.Reason },
                    new() { Value = payload, NpgsqlDbType = NpgsqlDbType.Text },
                },
            })
            {
                await insert.ExecuteNonQueryAsync(token);
            }
            work.Publish(rejection);
            await work.CommitAsync(clock.GetUtcNow(), token);
            return true;
        }, cancellationToken).AsTask();
}

/// <summary>A body refused unread: what it was published as, whom it seems to concern, why, and what is kept of it.</summary>
public sealed record RefusedBody(string Kind, string Exchange, Guid? MessageId, string Subject, string ReasonCode, string Reason, BodyHead Head);
