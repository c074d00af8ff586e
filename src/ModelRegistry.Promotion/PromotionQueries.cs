using System.Text.Json;
using Dapper;
using ModelRegistry.Platform.Outbox;
using ModelRegistry.Promotion.Rules;
using Npgsql;

namespace ModelRegistry.Promotion;

public sealed record PromotionSummary(Guid PromotionId, string State, string ModelName, int Version, string? FromStage, string TargetStage,
    string RequestedBy, DateTime RequestedAt, string? OutcomeCode, DateTime? FinishedAt);
public sealed record PromotionDetail(Guid PromotionId, string State, bool Open, string ModelName, int Version, Guid? ModelVersionId,
    string? FromStage, string TargetStage, string? RiskTier, string RequestedBy, string Reason, string? ChangeTicket, DateTime RequestedAt,
    DateTime? EvaluationDeadline, DateTime? ApprovalDeadline, IReadOnlyList<PromotionVote> Votes, string? OutcomeCode, string? OutcomeMessage,
    DateTime? FinishedAt, DateTime UpdatedAt, string? ClaimedBy = null)
{
    /// <summary>The roles that must approve, each by a different person, as the approval request named them; empty before it.</summary>
    public IReadOnlyList<string> RequiredRoles { get; init; } = [];

    /// <summary>How many different people must approve; null before approval was requested.</summary>
    public int? DistinctApprovers { get; init; }

    /// <summary>While waiting for approval: what is still missing, e.g. "missing roles security-review (1 more approver(s))".</summary>
    public string? StillNeeded { get; init; }

    /// <summary>When the approval request was published, and by whom again (approval.requested, approval.resent).</summary>
    public IReadOnlyList<ApprovalRequestSent> ApprovalRequests { get; init; } = [];

    /// <summary>Decisions that did not count (approval.refused), oldest first; the latest <see cref="PromotionQueries.MaxRefusedVotes"/>.</summary>
    public IReadOnlyList<RefusedVote> RefusedVotes { get; init; } = [];

    /// <summary>How many decisions were refused in all (anyone can send decisions naming a promotion; the list is capped).</summary>
    public int RefusedVoteCount { get; init; }
}

/// <summary>One publication of a promotion's ApprovalRequested: by the promotion worker, or resent at an operator's request.</summary>
public sealed record ApprovalRequestSent(DateTime At, string By, bool Resent);

/// <summary>A decision that was refused and did not count, as the audit log recorded it.</summary>
public sealed record RefusedVote(string Approver, string Role, string Decision, string ReasonCode, string Message, string Integration, string TicketId,
    DateTime RefusedAt);

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
               finished_at AS FinishedAt, updated_at AS UpdatedAt, claimed_by AS ClaimedBy
        FROM registry.promotions WHERE promotion_id = @PromotionId
        """;

    /// <summary>The most refused decisions <c>promotions show</c> lists (the latest); it counts them all.</summary>
    public const int MaxRefusedVotes = 100;

    // The promotion's approval records, by subject (index audit_log_subject): approval.refused may carry no model name.
    private const string ApprovalAuditSql = """
        SELECT action AS Action, actor AS Actor, recorded_at AS RecordedAt, details::text AS DetailsJson
        FROM registry.audit_log
        WHERE subject = @Subject AND subject_type = 'promotion' AND action IN ('approval.requested', 'approval.resent')
        ORDER BY sequence;

        SELECT action AS Action, actor AS Actor, recorded_at AS RecordedAt, details::text AS DetailsJson
        FROM registry.audit_log
        WHERE subject = @Subject AND subject_type = 'promotion' AND action = 'approval.refused'
        ORDER BY sequence DESC LIMIT @Limit;

        SELECT count(*)::int FROM registry.audit_log WHERE subject = @Subject AND subject_type = 'promotion' AND action = 'approval.refused';
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
        var detail = new PromotionDetail(row.PromotionId, row.State, IsOpen(row.State), row.ModelName, row.Version, row.ModelVersionId, row.FromStage,
            row.TargetStage, row.RiskTier, row.RequestedBy, row.Reason, row.ChangeTicket, row.RequestedAt, row.EvaluationDeadline,
            row.ApprovalDeadline, votes, row.OutcomeCode, row.OutcomeMessage, row.FinishedAt, row.UpdatedAt, row.ClaimedBy);
        await using var audit = await connection.QueryMultipleAsync(new CommandDefinition(ApprovalAuditSql,
            new { Subject = promotionId.ToString("D"), Limit = MaxRefusedVotes }, cancellationToken: ct));
        var requests = (await audit.ReadAsync<AuditRow>()).ToList();
        var refused = (await audit.ReadAsync<AuditRow>()).Reverse().ToList();
        return WithApprovals(detail, requests, refused, await audit.ReadSingleAsync<int>());
    }

    /// <summary>The detail with what the audit log says of its approvals: roles asked for, requests sent, refused decisions.</summary>
    private static PromotionDetail WithApprovals(PromotionDetail detail, IReadOnlyList<AuditRow> requestRecords, IReadOnlyList<AuditRow> refusedRecords,
        int refusedCount)
    {
        var roles = detail.RequiredRoles.ToList();
        var distinct = detail.DistinctApprovers;
        var requests = new List<ApprovalRequestSent>();
        foreach (var record in requestRecords)
        {
            requests.Add(new ApprovalRequestSent(record.RecordedAt, record.Actor, record.Action == "approval.resent"));
            using var json = JsonDocument.Parse(record.DetailsJson);
            if (json.RootElement.TryGetProperty("details", out var asked) && asked.TryGetProperty("roles", out var r) && r.ValueKind == JsonValueKind.Array)
            {
                roles = r.EnumerateArray().Select(x => x.GetString() ?? "").ToList();
                distinct = asked.TryGetProperty("distinctApprovers", out var d) && d.TryGetInt32(out var n) ? n : roles.Count;
            }
        }
        var refused = refusedRecords.Select(record =>
        {
            using var json = JsonDocument.Parse(record.DetailsJson);
            var root = json.RootElement;
            return new RefusedVote(record.Actor, Text(root, "role"), Text(root, "decision"), Text(root, "reasonCode"), Text(root, "message"),
                Text(root, "integration"), Text(root, "ticketId"), record.RecordedAt);
        }).ToList();
        string? stillNeeded = null;
        if (detail.State == "AwaitingApproval" && distinct is { } people)
        {
            var standing = ApprovalRules.Decide(new ApprovalPolicy(roles, people, TimeSpan.Zero), detail.RequestedBy,
                detail.Votes.Select(v => new ApprovalVote(v.Approver, v.Role, v.Approved)).ToList());
            if (standing.Outcome == ApprovalOutcome.Waiting) stillNeeded = PromotionDecisions.Waiting(standing);
        }
        return detail with
        {
            RequiredRoles = roles, DistinctApprovers = distinct, StillNeeded = stillNeeded, ApprovalRequests = requests, RefusedVotes = refused,
            RefusedVoteCount = refusedCount,
        };
    }

    private static string Text(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString()! : "";

    private sealed record AuditRow(string Action, string Actor, DateTime RecordedAt, string DetailsJson);

    private sealed record PromotionRow(Guid PromotionId, string State, string ModelName, int Version, Guid? ModelVersionId, string? FromStage,
        string TargetStage, string? RiskTier, string RequestedBy, string Reason, string? ChangeTicket, DateTime RequestedAt,
        DateTime? EvaluationDeadline, DateTime? ApprovalDeadline, string VotesJson, string? OutcomeCode, string? OutcomeMessage,
        DateTime? FinishedAt, DateTime UpdatedAt, string? ClaimedBy);
}
