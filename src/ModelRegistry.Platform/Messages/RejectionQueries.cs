using Dapper;
using Npgsql;

namespace ModelRegistry.Platform;

/// <summary>
/// A refused message as <c>registry.rejections</c> keeps it: the kind of command, whom it concerns (<c>subject</c>: the model
/// name of a registration, the version an evaluation named ("model vN" or its digest), the promotion or rollback id of a body
/// refused for its size), why, and the body (<c>payload</c>, JSON: the
/// message as read, or for a body refused unread its head, size and SHA-256).
/// </summary>
public sealed record RejectionRow(long RejectionId, DateTime RejectedAt, string Kind, Guid? MessageId, string Subject, string ReasonCode,
    string Reason, string Payload);

/// <summary>The read side of <c>registry.rejections</c> (<c>mreg rejections list</c>).</summary>
public static class RejectionQueries
{
    /// <summary>The kinds a rejection is kept under (the table's check constraint).</summary>
    public static readonly IReadOnlyList<string> Kinds = ["registration", "evaluation", "promotion", "approval", "rollback", "deployment"];

    private const string ListSql = """
        SELECT rejection_id AS RejectionId, rejected_at AS RejectedAt, kind AS Kind, message_id AS MessageId, subject AS Subject,
               reason_code AS ReasonCode, reason AS Reason, payload::text AS Payload
        FROM registry.rejections WHERE (@Kind::text IS NULL OR kind = @Kind)
        ORDER BY rejected_at DESC, rejection_id DESC LIMIT @Limit
        """;

    /// <summary>The <paramref name="limit"/> most recent rejections (of <paramref name="kind"/> when given), newest first.</summary>
    public static async Task<IReadOnlyList<RejectionRow>> ListAsync(NpgsqlConnection connection, string? kind, int limit, CancellationToken ct) =>
        (await connection.QueryAsync<RejectionRow>(new CommandDefinition(ListSql, new { Kind = kind, Limit = Math.Max(1, limit) },
            cancellationToken: ct))).ToList();
}
