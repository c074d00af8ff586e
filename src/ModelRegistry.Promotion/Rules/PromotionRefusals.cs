using ModelRegistry.Platform.Rules;
using ModelRegistry.Platform;

namespace ModelRegistry.Promotion.Rules;

/// <summary>Reason codes of <see cref="Rejection"/>s from the promotion and approval rules.</summary>
public static class PromotionRefusals
{
    public const string RetiredVersion = "retired_version";
    public const string NotAPromotionTarget = "not_a_promotion_target";
    public const string AlreadyInStage = "already_in_stage";
    public const string StageNotInPolicy = "stage_not_in_policy";
    public const string TransitionNotAllowed = "transition_not_allowed";
    public const string NoApprovalRequired = "no_approval_required";
    public const string SelfApproval = "self_approval";
    public const string DuplicateVote = "duplicate_vote";
    public const string RoleNotRequired = "role_not_required";
}
