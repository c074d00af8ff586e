using ModelRegistry.Promotion.Rules;
using ModelRegistry.Platform;
using ModelRegistry.Platform.Rules;

namespace ModelRegistry.Promotion.Approvals;

/// <summary>
/// Reason codes of <c>ApprovalRefused</c>: why an <c>ApprovalDecided</c> was not counted. The first two come from who sent
/// it (<see cref="Rules.PromotionAuthority"/>), the next five from <see cref="ApprovalAuthentication.Check"/>; the rest from the
/// promotion's state and <see cref="ApprovalRules"/>.
/// </summary>
public static class ApprovalRefusals
{
    /// <summary>The message carries no AMQP user_id.</summary>
    public const string Unauthenticated = Contracts.RejectionReasons.Unauthenticated;

    /// <summary>The sender's principal may not speak for the decision's integration under the access policy.</summary>
    public const string NotPermitted = Contracts.RejectionReasons.NotPermitted;

    /// <summary>A required field is missing or out of form (decision not approved/rejected, nil promotion id, ...).</summary>
    public const string InvalidDecision = "invalid_decision";

    /// <summary>The integration has no secret in <c>Ticketing:Integrations</c>.</summary>
    public const string UnknownIntegration = "unknown_integration";

    /// <summary>The signature is missing, malformed, or not the HMAC of the canonical fields with the integration's secret.</summary>
    public const string BadSignature = "bad_signature";

    /// <summary>The approver is not in the approver directory (<c>Approvers</c>).</summary>
    public const string ApproverUnknown = "approver_unknown";

    /// <summary>The approver is in the directory but does not hold the role they signed as.</summary>
    public const string ApproverLacksRole = "approver_lacks_role";

    /// <summary>The stage does not require the role signed as.</summary>
    public const string RoleNotRequired = PromotionRefusals.RoleNotRequired;

    /// <summary>The approver requested the promotion.</summary>
    public const string SelfApproval = PromotionRefusals.SelfApproval;

    /// <summary>The approver has already voted on the promotion.</summary>
    public const string DuplicateVote = PromotionRefusals.DuplicateVote;

    /// <summary>The promotion's target stage needs no approval.</summary>
    public const string NoApprovalRequired = PromotionRefusals.NoApprovalRequired;

    /// <summary>The promotion has already ended (promoted, rejected, expired or cancelled).</summary>
    public const string PromotionFinished = "promotion_finished";

    /// <summary>No promotion has this id.</summary>
    public const string UnknownPromotion = "unknown_promotion";

    /// <summary>The promotion is still waiting for evaluations; approval has not been requested yet.</summary>
    public const string ApprovalNotRequested = "approval_not_requested";
}
