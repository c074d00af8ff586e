using MassTransit;

namespace ModelRegistry.Contracts.Promotion;

/// <summary>
/// Event: a promotion ended without a stage change: refused at validation, a gate failed, an approver rejected it, or
/// a deadline passed. <see cref="ReasonCode"/> is machine-readable (docs/promotion.md lists them).
/// </summary>
[EntityName("mreg.promotion-rejected")]
public record PromotionRejected
{
    /// <summary>The promotion's id, chosen by its requester.</summary>
    public Guid PromotionId { get; init; }

    /// <summary>The model's name.</summary>
    public string ModelName { get; init; } = "";

    /// <summary>The version number.</summary>
    public int Version { get; init; }

    /// <summary>The stage the promotion asked for.</summary>
    public string TargetStage { get; init; } = "";

    /// <summary>E.g. unknown_version, transition_not_allowed, promotion_open, gates_failed, approval_rejected,
    /// evaluation_timeout, approval_timeout.</summary>
    public string ReasonCode { get; init; } = "";

    /// <summary>For people: what was wrong.</summary>
    public string Message { get; init; } = "";

    /// <summary>When the gates failed: each failed gate (gate kind and message).</summary>
    public IReadOnlyList<FailedGate> FailedGates { get; init; } = [];

    /// <summary>When it was rejected.</summary>
    public DateTimeOffset RejectedAt { get; init; }
}

/// <summary>
/// One gate that did not pass. <see cref="Gate"/> is metric, bias or finding_severity; when the gates are checked again at
/// the moment of promotion also suite (a required suite with no evaluation).
/// </summary>
public record FailedGate
{
    /// <summary>metric, bias, finding_severity or suite.</summary>
    public string Gate { get; init; } = "";

    /// <summary>For people: what was wrong.</summary>
    public string Message { get; init; } = "";
}
