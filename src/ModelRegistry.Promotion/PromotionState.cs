using MassTransit;
using ModelRegistry.Promotion.Rules;
using ModelRegistry.Platform;
using ModelRegistry.Platform.Rules;

namespace ModelRegistry.Promotion;

/// <summary>
/// One promotion request: the promotion saga's instance (ModelRegistry.Promotion.PromotionStateMachine),
/// stored in <c>registry.promotions</c> by <see cref="PromotionStore"/>.
/// </summary>
public sealed class PromotionState : SagaStateMachineInstance, ISagaVersion
{
    /// <summary>The promotion id (the requester's <c>PromotionId</c>).</summary>
    public Guid CorrelationId { get; set; }

    /// <summary>The optimistic concurrency token (<c>saga_version</c>): the version this instance was read at.</summary>
    public int Version { get; set; }

    /// <summary>The state machine's state name: AwaitingEvaluations, AwaitingApproval, Promoted, Rejected, Expired, Cancelled.</summary>
    public string CurrentState { get; set; } = "";

    public string ModelName { get; set; } = "";
    public int ModelVersion { get; set; }
    public string TargetStage { get; set; } = "";
    public Guid? ModelVersionId { get; set; }
    public string? FromStage { get; set; }
    public string? RiskTier { get; set; }
    public string RequestedBy { get; set; } = "";
    public string Reason { get; set; } = "";
    public string? ChangeTicket { get; set; }
    public DateTimeOffset RequestedAt { get; set; }
    public DateTimeOffset? EvaluationDeadline { get; set; }
    public DateTimeOffset? ApprovalDeadline { get; set; }

    /// <summary>Every counted vote, in arrival order.</summary>
    public List<PromotionVote> Votes { get; set; } = [];

    /// <summary>How it ended (a reason code, or "promoted"); null while open.</summary>
    public string? OutcomeCode { get; set; }
    public string? OutcomeMessage { get; set; }
    public DateTimeOffset? FinishedAt { get; set; }
    public DateTimeOffset UpdatedAt { get; set; }

    /// <summary>Not stored: what the last event decided (the state machine routes on it).</summary>
    public PromotionStep Next { get; set; }
}

/// <summary>Where an event left a promotion.</summary>
public enum PromotionStep
{
    Stay,
    AwaitEvaluations,
    AwaitApproval,
    Promoted,
    Rejected,
    Expired,
    Cancelled,
}

/// <summary>A counted approval or rejection.</summary>
public sealed record PromotionVote(string Approver, string Role, bool Approved, string Integration, string TicketId, string Comment,
    DateTimeOffset DecidedAt);
