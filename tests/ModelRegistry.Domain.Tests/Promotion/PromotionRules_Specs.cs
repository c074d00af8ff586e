using ModelRegistry.Promotion.Rules;

namespace ModelRegistry.Domain.Tests.Promotion;

public class PromotionRules_Specs
{
    // staging from registered, shadow from staging, production from canary or shadow (skipping canary); no canary rule.
    private static readonly TierPolicy Tier = Policies.Tier(
        Policies.Rule(Stage.Staging, Stage.Registered),
        Policies.Rule(Stage.Shadow, Stage.Staging),
        Policies.Rule(Stage.Production, Stage.Canary, Stage.Shadow));

    [Theory]
    [InlineData(Stage.Registered, Stage.Staging)]
    [InlineData(Stage.Staging, Stage.Shadow)]
    [InlineData(Stage.Canary, Stage.Production)]
    [InlineData(Stage.Shadow, Stage.Production)]
    public void A_move_listed_in_from_is_allowed(Stage current, Stage target) =>
        Assert.Null(PromotionRules.CheckTransition(current, target, Tier));

    [Theory]
    [InlineData(Stage.Registered, Stage.Shadow)]
    [InlineData(Stage.Staging, Stage.Production)]
    [InlineData(Stage.Registered, Stage.Production)]
    public void A_skip_not_listed_in_from_is_not_allowed(Stage current, Stage target)
    {
        var refusal = PromotionRules.CheckTransition(current, target, Tier);
        Assert.Equal(PromotionRefusals.TransitionNotAllowed, refusal?.ReasonCode);
        Assert.Contains($"not from '{StageNames.Format(current)}'", refusal!.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_target_the_tier_does_not_define_is_refused()
    {
        var refusal = PromotionRules.CheckTransition(Stage.Shadow, Stage.Canary, Tier);
        Assert.Equal(PromotionRefusals.StageNotInPolicy, refusal?.ReasonCode);
        Assert.Equal("the high tier policy does not allow promotion to 'canary'", refusal!.Message);
    }

    [Theory]
    [InlineData(Stage.Staging)]
    [InlineData(Stage.Production)]
    [InlineData(Stage.Retired)]
    public void Nothing_promotes_out_of_retired(Stage target) =>
        Assert.Equal(PromotionRefusals.RetiredVersion, PromotionRules.CheckTransition(Stage.Retired, target, Tier)?.ReasonCode);

    [Theory]
    [InlineData(Stage.Production)]
    [InlineData(Stage.Staging)]
    public void Retired_is_reached_by_retirement_not_by_promotion(Stage current) =>
        Assert.Equal(PromotionRefusals.NotAPromotionTarget, PromotionRules.CheckTransition(current, Stage.Retired, Tier)?.ReasonCode);

    [Fact]
    public void Registered_is_not_a_promotion_target() =>
        Assert.Equal(PromotionRefusals.NotAPromotionTarget, PromotionRules.CheckTransition(Stage.Staging, Stage.Registered, Tier)?.ReasonCode);

    [Fact]
    public void Promoting_to_the_stage_already_held_is_refused() =>
        Assert.Equal(PromotionRefusals.AlreadyInStage, PromotionRules.CheckTransition(Stage.Production, Stage.Production, Tier)?.ReasonCode);
}
