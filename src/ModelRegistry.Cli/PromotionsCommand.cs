using System.Text.Json;
using Dapper;
using ModelRegistry.Platform.Outbox;
using ModelRegistry.Promotion;
using ModelRegistry.Promotion.Rules;

namespace ModelRegistry.Cli;

public sealed record PromotionSummary(Guid PromotionId, string State, string ModelName, int Version, string? FromStage, string TargetStage,
    string RequestedBy, DateTime RequestedAt, string? OutcomeCode, DateTime? FinishedAt);
public sealed record PromotionDetail(Guid PromotionId, string State, bool Open, string ModelName, int Version, Guid? ModelVersionId,
    string? FromStage, string TargetStage, string? RiskTier, string RequestedBy, string Reason, string? ChangeTicket, DateTime RequestedAt,
    DateTime? EvaluationDeadline, DateTime? ApprovalDeadline, IReadOnlyList<PromotionVote> Votes, string? OutcomeCode, string? OutcomeMessage,
    DateTime? FinishedAt, DateTime UpdatedAt);

/// <summary><c>mreg promotions list</c> and <c>mreg promotions show</c>: read-only views of <c>registry.promotions</c>.</summary>
public static class PromotionsCommand
{
    public const int DefaultListLimit = 50;

    /// <summary>The promotion saga's states; <c>open</c> on the command line means either of the first two.</summary>
    public static readonly IReadOnlyList<string> States = ["AwaitingEvaluations", "AwaitingApproval", "Promoted", "Rejected", "Expired", "Cancelled"];

    private static readonly string[] OpenStates = ["AwaitingEvaluations", "AwaitingApproval"];

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

    /// <summary>The states <c>--state</c> stands for (any case; <c>open</c>: still waiting); null when it names none.</summary>
    public static IReadOnlyList<string>? ParseState(string? text)
    {
        if (text is null) return [];
        if (string.Equals(text, "open", StringComparison.OrdinalIgnoreCase)) return OpenStates;
        var state = States.FirstOrDefault(s => string.Equals(s, text, StringComparison.OrdinalIgnoreCase));
        return state is null ? null : [state];
    }

    public static bool IsOpen(string state) => OpenStates.Contains(state);

    public static async Task<int> ListAsync(CliSettings settings, string? model, string? state, int limit, bool json, TextWriter output,
        CancellationToken ct)
    {
        if (ParseState(state) is not { } states)
        {
            await Console.Error.WriteLineAsync($"mreg: --state {state}: expected open or one of {string.Join(", ", States)}");
            return 2;
        }
        return await CliDatabase.ReadAsync(settings, async connection =>
        {
            var promotions = (await connection.QueryAsync<PromotionSummary>(new CommandDefinition(ListSql,
                new { Model = model, States = states.ToArray(), Limit = limit }, cancellationToken: ct))).ToList();
            if (json) CliJson.Write(output, promotions);
            else PrintList(promotions, output);
            return 0;
        }, ct);
    }

    public static async Task<int> ShowAsync(CliSettings settings, string id, bool json, TextWriter output, CancellationToken ct)
    {
        if (!Guid.TryParse(id, out var promotionId))
        {
            await Console.Error.WriteLineAsync($"mreg: '{id}' is not a promotion id (a UUID, as `mreg promote` printed it)");
            return 2;
        }
        return await CliDatabase.ReadAsync(settings, async connection =>
        {
            if (await FindAsync(connection, promotionId, ct) is not { } detail)
                return await CliDatabase.NotFoundAsync($"no promotion {promotionId} (see `mreg promotions list`)");
            if (json) CliJson.Write(output, detail);
            else PrintDetail(detail, output);
            return 0;
        }, ct);
    }

    internal static async Task<PromotionDetail?> FindAsync(Npgsql.NpgsqlConnection connection, Guid promotionId, CancellationToken ct)
    {
        var row = await connection.QuerySingleOrDefaultAsync<PromotionRow>(
            new CommandDefinition(ShowSql, new { PromotionId = promotionId }, cancellationToken: ct));
        if (row is null) return null;
        var votes = JsonSerializer.Deserialize<List<PromotionVote>>(row.VotesJson, OutboxMessageTypes.Json) ?? [];
        return new PromotionDetail(row.PromotionId, row.State, IsOpen(row.State), row.ModelName, row.Version, row.ModelVersionId, row.FromStage,
            row.TargetStage, row.RiskTier, row.RequestedBy, row.Reason, row.ChangeTicket, row.RequestedAt, row.EvaluationDeadline,
            row.ApprovalDeadline, votes, row.OutcomeCode, row.OutcomeMessage, row.FinishedAt, row.UpdatedAt);
    }

    private static string Time(DateTime? t) => t is { } value ? ModelsCommand.Time(value) : "-";

    private static void PrintList(List<PromotionSummary> promotions, TextWriter o)
    {
        if (promotions.Count == 0)
        {
            o.WriteLine("no promotions match");
            return;
        }
        o.WriteLine($"{"promotion",-36}  {"state",-19} {"model/version",-28} {"stage",-24} {"requested by",-16} {"requested",-20} outcome");
        foreach (var p in promotions)
        {
            var stage = $"{p.FromStage ?? "?"} -> {p.TargetStage}";
            o.WriteLine($"{p.PromotionId,-36}  {p.State,-19} {$"{p.ModelName}/{p.Version}",-28} {stage,-24} {p.RequestedBy,-16} {Time(p.RequestedAt),-20} {p.OutcomeCode ?? "-"}");
        }
    }

    private static void PrintDetail(PromotionDetail p, TextWriter o)
    {
        o.WriteLine($"promotion            {p.PromotionId}");
        o.WriteLine($"state                {p.State}{(p.Open ? " (open)" : "")}");
        o.WriteLine($"model version        {p.ModelName}/{p.Version}{(p.ModelVersionId is { } id ? $"  ({id})" : "")}");
        o.WriteLine($"stage                {p.FromStage ?? "?"} -> {p.TargetStage}");
        o.WriteLine($"risk tier            {p.RiskTier ?? "-"}");
        o.WriteLine($"requested by         {p.RequestedBy}");
        o.WriteLine($"requested            {Time(p.RequestedAt)}");
        o.WriteLine($"reason               {p.Reason}");
        o.WriteLine($"change ticket        {p.ChangeTicket ?? "-"}");
        o.WriteLine($"evaluation deadline  {Time(p.EvaluationDeadline)}");
        o.WriteLine($"approval deadline    {Time(p.ApprovalDeadline)}");
        o.WriteLine($"outcome              {(p.OutcomeCode is null ? "- (open)" : $"{p.OutcomeCode}: {p.OutcomeMessage}")}");
        o.WriteLine($"finished             {Time(p.FinishedAt)}");
        o.WriteLine();
        o.WriteLine($"votes ({p.Votes.Count})");
        foreach (var v in p.Votes)
        {
            o.WriteLine($"  {v.Approver} as {v.Role}: {(v.Approved ? "approved" : "rejected")}  {v.DecidedAt.UtcDateTime:u}  {v.Integration} {v.TicketId}");
            if (v.Comment.Length > 0) o.WriteLine($"    {v.Comment.ReplaceLineEndings(" ")}");
        }
    }

    private sealed record PromotionRow(Guid PromotionId, string State, string ModelName, int Version, Guid? ModelVersionId, string? FromStage,
        string TargetStage, string? RiskTier, string RequestedBy, string Reason, string? ChangeTicket, DateTime RequestedAt,
        DateTime? EvaluationDeadline, DateTime? ApprovalDeadline, string VotesJson, string? OutcomeCode, string? OutcomeMessage,
        DateTime? FinishedAt, DateTime UpdatedAt);
}
