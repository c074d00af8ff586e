using ModelRegistry.Promotion.Rules;
using ModelRegistry.Platform;
using ModelRegistry.Platform.Rules;

namespace ModelRegistry.Promotion.Approvals;

/// <summary>
/// Reason codes of <c>ApprovalRefused</c>: why an <c>ApprovalDecided</c> was not counted. The first two come from who sent
/// it (<see cref="Rules.PromotionAuthority"/>), then <see cref="ApprovalAuthentication.Check"/>'s, the replay check, then
/// <see cref="ApprovalBinding.Check"/>'s (what the decision names against the promotion, and when); the rest from the
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

    /// <summary>The decision carries no nonce, so it is signed in the old form (mreg-approval-v1), and its integration does not accept that form.</summary>
    public const string LegacySignature = "legacy_signature";

    /// <summary>This signed decision was refused before for this promotion: a refused decision never counts later.</summary>
    public const string ReplayedDecision = "replayed_decision";

    /// <summary>The integration may not speak for this approver (<c>Ticketing:Integrations:&lt;name&gt;:Approvers</c>).</summary>
    public const string ApproverNotAllowed = "approver_not_allowed";

    /// <summary>The integration may not sign for this role (<c>Ticketing:Integrations:&lt;name&gt;:Roles</c>).</summary>
    public const string RoleNotAllowed = "role_not_allowed";

    /// <summary>The approver is not in the approver directory (<c>Approvers</c>).</summary>
    public const string ApproverUnknown = "approver_unknown";

    /// <summary>The approver is in the directory but does not hold the role they signed as.</summary>
    public const string ApproverLacksRole = "approver_lacks_role";

    /// <summary>The decision's modelName is not the promotion's model.</summary>
    public const string ModelMismatch = "model_mismatch";

    /// <summary>The decision's version is not the promotion's version.</summary>
    public const string VersionMismatch = "version_mismatch";

    /// <summary>The decision's targetStage is not the promotion's target stage.</summary>
    public const string StageMismatch = "stage_mismatch";

    /// <summary>The decision's manifestDigest is not the manifest digest of the promotion's version.</summary>
    public const string DigestMismatch = "digest_mismatch";

    /// <summary>The decision's nonce is not the one the registry issued in this promotion's ApprovalRequested.</summary>
    public const string NonceMismatch = "nonce_mismatch";

    /// <summary>The decision was processed after the promotion's approval deadline.</summary>
    public const string ApprovalExpired = "approval_expired";

    /// <summary>decidedAt is before the approval request (less the clock skew) or after now (plus the clock skew).</summary>
    public const string DecidedAtOutOfRange = "decided_at_out_of_range";

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
