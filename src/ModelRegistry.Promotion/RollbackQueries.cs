using Dapper;
using ModelRegistry.Promotion.Rules;
using Npgsql;

namespace ModelRegistry.Promotion;

/// <summary>What became of one rollback request: done (restored and retired versions) or refused (reason), or null when not yet handled.</summary>
public sealed record RollbackRecord(bool RolledBack, int? RestoredVersion, int? RetiredVersion, string? ReasonCode, string? Message);

/// <summary>What a rollback of a model decides on: the version in production now and its production history (<see cref="RollbackRules"/>).</summary>
public sealed record ProductionHistory(int? Production, IReadOnlyList<ProductionChange> Changes);

/// <summary>
/// The read side of rollbacks: a model's production history (the rollback consumer under the model's lock, <c>mreg rollback</c>
/// before it publishes), and the outcome of one rollback (<c>mreg rollback --wait</c> when the events are missed).
/// </summary>
public static class RollbackQueries
{
    // Entries into production and retirements by a rollback, in the order they happened; a rollback's row names its incident.
    private const string HistorySql = """
        SELECT version FROM registry.version_stages WHERE model_id = @ModelId AND stage = 'production';

        SELECT c.version AS Version, c.to_stage = 'production' AS EnteredProduction, r.incident_id AS IncidentId
        FROM registry.stage_changes c
        LEFT JOIN registry.rollbacks r ON c.cause = 'rollback' AND r.rollback_id = c.cause_id
        WHERE c.model_id = @ModelId AND (c.to_stage = 'production' OR (c.cause = 'rollback' AND c.to_stage = 'retired'))
        ORDER BY c.change_id;
        """;

    private const string ModelIdSql = "SELECT model_id FROM registry.models WHERE name = @Name";

    /// <summary>The production history of the model <paramref name="modelId"/>, read in <paramref name="transaction"/> when given.</summary>
    public static async Task<ProductionHistory> HistoryAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, Guid modelId,
        CancellationToken ct)
    {
        await using var results = await connection.QueryMultipleAsync(new CommandDefinition(HistorySql, new { ModelId = modelId }, transaction,
            cancellationToken: ct));
        var production = await results.ReadSingleOrDefaultAsync<int?>();
        var changes = (await results.ReadAsync<(int Version, bool EnteredProduction, string? IncidentId)>())
            .Select(c => new ProductionChange(c.Version, c.EnteredProduction, c.IncidentId)).ToList();
        return new ProductionHistory(production, changes);
    }

    /// <summary>The production history of the model named <paramref name="modelName"/>, or null when there is no such model.</summary>
    public static async Task<ProductionHistory?> HistoryAsync(NpgsqlConnection connection, string modelName, CancellationToken ct) =>
        await connection.QuerySingleOrDefaultAsync<Guid?>(new CommandDefinition(ModelIdSql, new { Name = modelName }, cancellationToken: ct))
            is { } modelId
            ? await HistoryAsync(connection, null, modelId, ct)
            : null;

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
