using ModelRegistry.Platform.Identity;
using ModelRegistry.Promotion.Rules;

namespace ModelRegistry.Domain.Tests.Promotion;

public class PromotionAuthority_Specs
{
    private static readonly AccessPolicy Access = AccessPolicy.Parse("""
        {
          "registry": ["mreg-workers"],
          "principals": {
            "mreg-ticketing": { "integrations": ["jira"] },
            "rachel": { "roles": ["requester"] },
            "ops": { "roles": ["canceller", "on-call"] }
          }
        }
        """, "spec").Policy!;

    [Theory]
    [InlineData(null, "unauthenticated")]
    [InlineData("mreg-ticketing", "not_permitted")]
    [InlineData("ops", "not_permitted")]
    [InlineData("rachel", null)]
    public void Only_a_requester_requests(string? principal, string? refusal) =>
        Assert.Equal(refusal, PromotionAuthority.MayRequest(Access, principal)?.ReasonCode);

    [Theory]
    [InlineData("rachel", "rachel", null)] // their own
    [InlineData("ops", "rachel", null)] // a canceller
    [InlineData("rachel", "someone", "not_permitted")] // a requester, but not theirs
    [InlineData(null, "rachel", "unauthenticated")]
    public void The_requester_or_a_canceller_cancels(string? principal, string requester, string? refusal) =>
        Assert.Equal(refusal, PromotionAuthority.MayCancel(Access, principal, requester)?.ReasonCode);

    [Theory]
    [InlineData("ops", "ops", null)]
    [InlineData("rachel", "someone", null)]
    [InlineData("ops", "someone", "not_permitted")]
    public void The_requester_or_one_with_the_requester_role_resends(string principal, string requester, string? refusal) =>
        Assert.Equal(refusal, PromotionAuthority.MayResend(Access, principal, requester)?.ReasonCode);

    [Theory]
    [InlineData("ops", null)]
    [InlineData("rachel", "not_permitted")]
    [InlineData("mreg-workers", "not_permitted")]
    [InlineData(null, "unauthenticated")]
    public void Only_on_call_rolls_back(string? principal, string? refusal) =>
        Assert.Equal(refusal, PromotionAuthority.MayRollBack(Access, principal)?.ReasonCode);

    [Theory]
    [InlineData("mreg-ticketing", "jira", null)]
    [InlineData("mreg-ticketing", "servicenow", "not_permitted")]
    [InlineData("rachel", "jira", "not_permitted")]
    [InlineData(null, "jira", "unauthenticated")]
    public void A_decision_comes_from_a_principal_that_speaks_for_its_integration(string? principal, string integration, string? refusal) =>
        Assert.Equal(refusal, PromotionAuthority.MayDecide(Access, principal, integration)?.ReasonCode);

    [Theory]
    [InlineData("mreg-workers", null)]
    [InlineData("rachel", "not_permitted")]
    [InlineData(null, "unauthenticated")]
    public void Internal_messages_come_from_the_registry(string? principal, string? refusal) =>
        Assert.Equal(refusal, PromotionAuthority.IsRegistry(Access, principal, "PromotionDeadlineReached")?.ReasonCode);

    [Theory]
    [InlineData("medium", "high", "high")] // raised: in force at once
    [InlineData("high", "low", "high")] // lowered: only for later requests
    [InlineData("critical", "critical", "critical")]
    [InlineData("low", null, "low")]
    [InlineData(null, "medium", "medium")]
    [InlineData("low", "unheard-of", "low")]
    public void The_tier_in_force_is_the_stricter(string? captured, string? current, string expected) =>
        Assert.Equal(expected, RiskTierNames.Stricter(captured, current));

    [Fact]
    public void A_rollback_is_once_per_incident_and_from_what_is_in_production()
    {
        var earlier = new EarlierRollback(Guid.NewGuid(), 2, 3);
        Assert.Equal(RollbackRules.DuplicateIncident, RollbackRules.CheckRequest("m", "INC-1", 3, 2, earlier)?.ReasonCode);
        Assert.Equal(RollbackRules.StaleRollback, RollbackRules.CheckRequest("m", "INC-2", 3, 2, null)?.ReasonCode);
        Assert.Null(RollbackRules.CheckRequest("m", "INC-2", 2, 2, null));
        Assert.Null(RollbackRules.CheckRequest("m", "INC-2", 2, null, null)); // nothing in production: Decide says so
    }
}
