using Dapper;
using Npgsql;

namespace ModelRegistry.Promotion;

/// <summary>What became of one rollback request: done (restored and retired versions) or refused (reason), or null when not yet handled.</summary>
public sealed record RollbackRecord(bool RolledBack, int? RestoredVersion, int? RetiredVersion, string? ReasonCode, string? Message);

/// <summary>The read side of rollbacks (<c>mreg rollback</c> waits on it when the events are missed).</summary>
public static class RollbackQueries
{
    // The rollback consumer records a rollback in registry.rollbacks and a refusal only in the audit log.
    private const string RollbackSql = """
        SELECT restored_version AS RestoredVersion, retired_version AS RetiredVersion FROM registry.rollbacks WHERE rollback_id = @RollbackId;

        SELECT details->>'reasonCode' AS ReasonCode, details->>'message' AS Message
        FROM registry.audit_log WHERE action = 'rollback.rejected' AND details->>'rollbackId' = @Id
        ORDER BY sequence DESC LIMIT 1;
        """;

    public static async Task<RollbackRecord?> FindAsync(NpgsqlConnection connection, Guid rollbackId, CancellationToken ct)
    {
        await using var results = await connection.QueryMultipleAsync(new CommandDefinition(RollbackSql,
            new { RollbackId = rollbackId, Id = rollbackId.ToString("D") }, cancellationToken: ct));
        if (await results.ReadSingleOrDefaultAsync<(int RestoredVersion, int RetiredVersion)?>() is { } done)
            return new RollbackRecord(true, done.RestoredVersion, done.RetiredVersion, null, null);
        if (await results.ReadSingleOrDefaultAsync<(string ReasonCode, string Message)?>() is { } refused)
            return new RollbackRecord(false, null, null, refused.ReasonCode, refused.Message);
        return null;
    }
}
