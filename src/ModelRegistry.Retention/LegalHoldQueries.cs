using Dapper;
using Npgsql;

namespace ModelRegistry.Retention;

/// <summary>A legal hold as <c>mreg hold list</c> shows it.</summary>
public sealed record LegalHoldSummary
{
    public Guid HoldId { get; init; }
    public string ModelName { get; init; } = "";
    /// <summary>The version held; null: every version of the model.</summary>
    public int? Version { get; init; }
    public string Reason { get; init; } = "";
    public string PlacedBy { get; init; } = "";
    public DateTime PlacedAt { get; init; }
    public string? ReleasedBy { get; init; }
    public DateTime? ReleasedAt { get; init; }
    public string? ReleaseReason { get; init; }
}

/// <summary>The outcome of a hold request as the audit log recorded it (when the CLI missed its event).</summary>
public sealed record LegalHoldRecord(string Action, string? ReasonCode, string? Message, string? HoldId);

/// <summary>The reads of <c>mreg hold list</c> and of the hold commands' wait (registry.legal_holds, the audit log).</summary>
public static class LegalHoldQueries
{
    private const string List = """
        SELECT h.hold_id AS HoldId, m.name AS ModelName, v.version AS Version, h.reason AS Reason, h.placed_by AS PlacedBy, h.placed_at AS PlacedAt,
               h.released_by AS ReleasedBy, h.released_at AS ReleasedAt, h.release_reason AS ReleaseReason
        FROM registry.legal_holds h
        JOIN registry.models m ON m.model_id = h.model_id
        LEFT JOIN registry.model_versions v ON v.version_id = h.version_id
        WHERE @all OR h.released_at IS NULL
        ORDER BY h.placed_at, h.hold_id
        """;

    private const string Find = """
        SELECT action AS Action, details->>'reasonCode' AS ReasonCode, coalesce(details->>'reason', '') AS Message, subject AS HoldId
        FROM registry.audit_log
        WHERE recorded_at >= @since AND action IN ('hold.placed', 'hold.released', 'hold.refused') AND details->>'requestId' = @id
        ORDER BY sequence LIMIT 1
        """;

    /// <summary>Open holds, oldest first; <paramref name="all"/> adds the released ones.</summary>
    public static async Task<IReadOnlyList<LegalHoldSummary>> ListAsync(NpgsqlConnection connection, bool all, CancellationToken ct) =>
        (await connection.QueryAsync<LegalHoldSummary>(new CommandDefinition(List, new { all }, cancellationToken: ct))).ToList();

    /// <summary>What became of request <paramref name="requestId"/>, recorded since <paramref name="since"/>; null when nothing yet.</summary>
    public static Task<LegalHoldRecord?> FindAsync(NpgsqlConnection connection, Guid requestId, DateTimeOffset since, CancellationToken ct) =>
        connection.QuerySingleOrDefaultAsync<LegalHoldRecord>(new CommandDefinition(Find,
            new { id = requestId.ToString("D"), since = since.UtcDateTime }, cancellationToken: ct));
}
