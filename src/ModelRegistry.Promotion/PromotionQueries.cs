using System.Text.Json;
using Dapper;
using ModelRegistry.Platform.Outbox;
using Npgsql;

namespace ModelRegistry.Promotion;

public sealed record PromotionSummary(Guid PromotionId, string State, string ModelName, int Version, string? FromStage, string TargetStage,
    string RequestedBy, DateTime RequestedAt, string? OutcomeCode, DateTime? FinishedAt);
public sealed record PromotionDetail(Guid PromotionId, string State, bool Open, string ModelName, int Version, Guid? ModelVersionId,
    string? FromStage, string TargetStage, string? RiskTier, string RequestedBy, string Reason, string? ChangeTicket, DateTime RequestedAt,
    DateTime? EvaluationDeadline, DateTime? ApprovalDeadline, IReadOnlyList<PromotionVote> Votes, string? OutcomeCode, string? OutcomeMessage,
    DateTime? FinishedAt, DateTime UpdatedAt);

/// <summary>The read side of <c>registry.promotions</c>: what <c>mreg promotions list|show</c> and the promote commands read.</summary>
public static class PromotionQueries
{
    /// <summary>The promotion saga's states, in the order a promotion can reach them.</summary>
    public static readonly IReadOnlyList<string> States = ["AwaitingEvaluations", "AwaitingApproval", "Promoted", "Rejected", "Expired", "Cancelled"];

    /// <summary>The states of a promotion still waiting (for evaluations or approvals).</summary>
    public static readonly IReadOnlyList<string> OpenStates = ["AwaitingEvaluations", "AwaitingApproval"];

    public static bool IsOpen(string state) => OpenStates.Contains(state);

    private const string ListSql = """
        SELECT promotion_id AS PromotionId, state AS State, model_name AS ModelName, version AS Version, from_stage AS FromStage,
               target_stage AS TargetStage, requested_by AS RequestedBy, requested_at AS RequestedAt, outcome_code AS OutcomeCode,
               finished_at AS FinishedAt
        FROM registry.promotions
        WHERE (@Model::text IS NULL OR model_name = @Model)
          AND (cardinality(@States::text[]) = 0 OR state = ANY(@States::text[]))
        ORDER BY requested_at DESC, promotion_id
        LIMIT @Limit
        """;

    private const string ShowSql = """
        SELECT promotion_id AS PromotionId, state AS State, model_name AS ModelName, version AS Version, model_version_id AS ModelVersionId,
               from_stage AS FromStage, target_stage AS TargetStage, risk_tier AS RiskTier, requested_by AS RequestedBy, reason AS Reason,
               change_ticket AS ChangeTicket, requested_at AS RequestedAt, evaluation_deadline AS EvaluationDeadline,
               approval_deadline AS ApprovalDeadline, votes::text AS VotesJson, outcome_code AS OutcomeCode, outcome_message AS OutcomeMessage,
               finished_at AS FinishedAt, updated_at AS UpdatedAt
        FROM registry.promotions WHERE promotion_id = @PromotionId
        """;

    /// <summary>The latest promotions first, of <paramref name="model"/> when given, in any of <paramref name="states"/> (all when empty).</summary>
    public static async Task<IReadOnlyList<PromotionSummary>> ListAsync(NpgsqlConnection connection, string? model, IReadOnlyList<string> states,
        int limit, CancellationToken ct) =>
        (await connection.QueryAsync<PromotionSummary>(new CommandDefinition(ListSql,
            new { Model = model, States = states.ToArray(), Limit = limit }, cancellationToken: ct))).ToList();

    public static async Task<PromotionDetail?> FindAsync(NpgsqlConnection connection, Guid promotionId, CancellationToken ct)
    {
        var row = await connection.QuerySingleOrDefaultAsync<PromotionRow>(
            new CommandDefinition(ShowSql, new { PromotionId = promotionId }, cancellationToken: ct));
        if (row is null) return null;
        var votes = JsonSerializer.Deserialize<List<PromotionVote>>(row.VotesJson, OutboxMessageTypes.Json) ?? [];
        return new PromotionDetail(row.PromotionId, row.State, IsOpen(row.State), row.ModelName, row.Version, row.ModelVersionId, row.FromStage,
            row.TargetStage, row.RiskTier, row.RequestedBy, row.Reason, row.ChangeTicket, row.RequestedAt, row.EvaluationDeadline,
            row.ApprovalDeadline, votes, row.OutcomeCode, row.OutcomeMessage, row.FinishedAt, row.UpdatedAt);
    }

    private sealed record PromotionRow(Guid PromotionId, string State, string ModelName, int Version, Guid? ModelVersionId, string? FromStage,
        string TargetStage, string? RiskTier, string RequestedBy, string Reason, string? ChangeTicket, DateTime RequestedAt,
        DateTime? EvaluationDeadline, DateTime? ApprovalDeadline, string VotesJson, string? OutcomeCode, string? OutcomeMessage,
        DateTime? FinishedAt, DateTime UpdatedAt);
}
