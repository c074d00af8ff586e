using MassTransit;

namespace ModelRegistry.Contracts.Promotion;

/// <summary>Event: an <see cref="ApprovalDecided"/> was not counted, and why. The promotion, if open, keeps waiting.</summary>
[EntityName("mreg.approval-refused")]
public record ApprovalRefused
{
    /// <summary>The promotion's id, chosen by its requester.</summary>
    public Guid PromotionId { get; init; }

    /// <summary>The ticketing integration that sent the decision.</summary>
    public string Integration { get; init; } = "";

    /// <summary>The ticket in the ticketing system.</summary>
    public string TicketId { get; init; } = "";

    /// <summary>The approver's identity, as in the approver directory.</summary>
    public string Approver { get; init; } = "";

    /// <summary>The role signed as.</summary>
    public string Role { get; init; } = "";

    /// <summary>One of the codes of docs/ticketing.md (ApprovalRefused and reason codes), e.g. bad_signature, model_mismatch,
    /// approval_expired, replayed_decision; treat an unknown code as a refusal that needs a person to look.</summary>
    public string ReasonCode { get; init; } = "";

    /// <summary>For people: what was wrong.</summary>
    public string Message { get; init; } = "";

    /// <summary>When it was refused.</summary>
    public DateTimeOffset RefusedAt { get; init; }
}
