using MassTransit;

namespace ModelRegistry.Contracts.Promotion;

/// <summary>
/// Command: publish a promotion's <see cref="ApprovalRequested"/> again, for a ticketing integration that lost it or was
/// set up after it was sent. Acted on only while the promotion waits for approval; otherwise (and for an unknown
/// promotion) it is dropped, unanswered. The request keeps its deadline; the resend is audited (approval.resent).
/// </summary>
[EntityName("mreg.resend-approval-request")]
public record ResendApprovalRequest
{
    /// <summary>The promotion whose approval request to send again.</summary>
    public Guid PromotionId { get; init; }

    /// <summary>Who asks (an operator); recorded in the audit log, "unknown" when blank.</summary>
    public string RequestedBy { get; init; } = "";
}
