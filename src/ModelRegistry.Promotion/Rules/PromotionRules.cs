using ModelRegistry.Platform.Rules;
using ModelRegistry.Platform;

namespace ModelRegistry.Promotion.Rules;

/// <summary>May a version in one stage be promoted to another under a tier's policy?</summary>
public static class PromotionRules
{
    /// <summary>Null when the move is allowed, otherwise why not. Guards run terminal state first.</summary>
    public static Rejection? CheckTransition(Stage current, Stage target, TierPolicy policy)
    {
        ArgumentNullException.ThrowIfNull(policy);
        var from = StageNames.Format(current);
        var to = StageNames.Format(target);
        if (current == Stage.Retired)
            return new(PromotionRefusals.RetiredVersion, $"the version is retired; nothing promotes out of retired");
        if (target is Stage.Retired or Stage.Registered)
            return new(PromotionRefusals.NotAPromotionTarget, $"'{to}' is not a promotion target; a version is {(target == Stage.Retired ? "retired by retirement" : "registered once")}, not promoted there");
        if (current == target)
            return new(PromotionRefusals.AlreadyInStage, $"the version is already in '{to}'");
        if (policy.For(target) is not { } rule)
            return new(PromotionRefusals.StageNotInPolicy, $"the {RiskTierNames.Format(policy.Tier)} tier policy does not allow promotion to '{to}'");
        if (!rule.From.Contains(current))
            return new(PromotionRefusals.TransitionNotAllowed,
                $"the {RiskTierNames.Format(policy.Tier)} tier promotes to '{to}' only from {string.Join(", ", rule.From.Select(s => $"'{StageNames.Format(s)}'"))}, not from '{from}'");
        return null;
    }
}
