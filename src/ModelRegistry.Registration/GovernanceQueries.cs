using Dapper;
using Npgsql;

namespace ModelRegistry.Registration;

/// <summary>The audit record of a ChangeModelGovernance command, for <c>mreg models govern</c> when it missed the answer event.</summary>
public sealed record GovernanceRecord(string Action, string DetailsJson);

/// <summary>Read queries of model governance changes.</summary>
public static class GovernanceQueries
{
    private const string OutcomeSql = """
        SELECT action AS Action, details::text AS DetailsJson FROM registry.audit_log
        WHERE subject_type = 'model' AND subject = @Model AND action IN ('model.governance_changed', 'model.governance_rejected')
          AND details->>'commandId' = @CommandId
        LIMIT 1
        """;

    /// <summary>The record of command <paramref name="commandId"/> on <paramref name="model"/>: changed or rejected; null while there is none.</summary>
    public static Task<GovernanceRecord?> FindOutcomeAsync(NpgsqlConnection connection, string model, Guid commandId, CancellationToken ct) =>
        connection.QuerySingleOrDefaultAsync<GovernanceRecord>(new CommandDefinition(OutcomeSql,
            new { Model = model, CommandId = commandId.ToString("D") }, cancellationToken: ct));
}
