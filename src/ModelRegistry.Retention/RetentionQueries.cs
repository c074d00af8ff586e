using Dapper;
using Npgsql;

namespace ModelRegistry.Retention;

/// <summary>A sweep as recorded: whether it was planned or refused, and how far its actions got.</summary>
public sealed record SweepStatus(Guid SweepId, bool Planned, string? RefusalCode, string? RefusalMessage, int Archive, int Delete, int Done, int Skipped)
{
    /// <summary>Actions not carried out yet.</summary>
    public int Pending => Archive + Delete - Done - Skipped;
}

/// <summary>One action of a sweep as carried out (or still planned).</summary>
public sealed record SweepActionView(Guid ActionId, Guid VersionId, string ModelName, int Version, string Action, string Rule, long Bytes, string Status,
    string? KeptBy, DateTime? DoneAt);

/// <summary>Reads of the retention worker's tables for <c>mreg retention</c>.</summary>
public static class RetentionQueries
{
    private const string SweepSql = """
        SELECT s.sweep_id AS SweepId,
               count(a.action_id) FILTER (WHERE a.action = 'archive') AS Archive,
               count(a.action_id) FILTER (WHERE a.action = 'delete') AS Delete,
               count(a.action_id) FILTER (WHERE a.status = 'done') AS Done,
               count(a.action_id) FILTER (WHERE a.status = 'skipped') AS Skipped
        FROM registry.retention_sweeps s LEFT JOIN registry.retention_actions a ON a.sweep_id = s.sweep_id
        WHERE s.sweep_id = @sweepId
        GROUP BY s.sweep_id
        """;

    private const string RefusalSql = """
        SELECT details->>'reasonCode' AS Code, details->>'reason' AS Message FROM registry.audit_log
        WHERE action = 'retention.refused' AND subject_type = 'retention-sweep' AND subject = @subject
        ORDER BY sequence DESC LIMIT 1
        """;

    private const string ActionsSql = """
        SELECT a.action_id AS ActionId, a.version_id AS VersionId, m.name AS ModelName, v.version AS Version, a.action AS Action, a.rule AS Rule,
               a.bytes AS Bytes, a.status AS Status, a.kept_by AS KeptBy, a.done_at AS DoneAt
        FROM registry.retention_actions a
        JOIN registry.model_versions v ON v.version_id = a.version_id
        JOIN registry.models m ON m.model_id = v.model_id
        WHERE a.sweep_id = @sweepId
        ORDER BY m.name, v.version, a.action
        """;

    /// <summary>The sweep's status; null when it is neither planned nor refused (yet).</summary>
    public static async Task<SweepStatus?> SweepAsync(NpgsqlConnection connection, Guid sweepId, CancellationToken ct)
    {
        var row = await connection.QuerySingleOrDefaultAsync<SweepCounts>(new CommandDefinition(SweepSql, new { sweepId }, cancellationToken: ct));
        if (row is not null) return new(sweepId, true, null, null, (int)row.Archive, (int)row.Delete, (int)row.Done, (int)row.Skipped);
        var refused = await connection.QuerySingleOrDefaultAsync<SweepRefusal>(
            new CommandDefinition(RefusalSql, new { subject = sweepId.ToString("D") }, cancellationToken: ct));
        return refused is null ? null : new(sweepId, false, refused.Code, refused.Message, 0, 0, 0, 0);
    }

    private sealed record SweepCounts(Guid SweepId, long Archive, long Delete, long Done, long Skipped);

    private sealed record SweepRefusal(string Code, string Message);

    /// <summary>The sweep's actions, by model and version.</summary>
    public static async Task<IReadOnlyList<SweepActionView>> ActionsAsync(NpgsqlConnection connection, Guid sweepId, CancellationToken ct) =>
        (await connection.QueryAsync<SweepActionView>(new CommandDefinition(ActionsSql, new { sweepId }, cancellationToken: ct))).ToList();
}
