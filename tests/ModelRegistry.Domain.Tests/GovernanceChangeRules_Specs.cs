using ModelRegistry.Contracts;
using ModelRegistry.Platform.Identity;
using ModelRegistry.Registration.Rules;

namespace ModelRegistry.Domain.Tests;

/// <summary>Who may change a model's owner team or risk tier, which commands are well formed, and what they change.</summary>
public class GovernanceChangeRules_Specs
{
    private static readonly AccessPolicy Policy = new(new HashSet<string> { "mreg-workers" }, new Dictionary<string, PrincipalGrants>
    {
        ["gov"] = PrincipalGrants.Nothing with { Roles = new HashSet<string> { AccessRoles.Governance } },
        ["requester"] = PrincipalGrants.Nothing with { Roles = new HashSet<string> { AccessRoles.Requester, AccessRoles.OnCall } },
        ["pipeline"] = PrincipalGrants.Nothing with { Teams = NameSet.Of("*") },
    });

    private static readonly ChangeModelGovernance Valid = new()
    {
        CommandId = Guid.Parse("0195a1b2-0000-7000-8000-000000000001"), ModelName = "fraud", RiskTier = "critical",
        Reason = "handles payments now", RequestedBy = "mira",
    };

    [Fact]
    public void A_principal_with_the_governance_role_may() => Assert.Null(GovernanceChangeRules.Authorize("gov", Policy));

    [Fact]
    public void A_message_without_a_principal_is_unauthenticated() =>
        Assert.Equal(RejectionReasons.Unauthenticated, GovernanceChangeRules.Authorize(null, Policy)!.ReasonCode);

    [Theory]
    [InlineData("requester")]
    [InlineData("pipeline")]
    [InlineData("mreg-workers")]
    [InlineData("stranger")]
    public void Anyone_else_is_not_permitted_the_registrys_own_users_included(string principal)
    {
        var refused = GovernanceChangeRules.Authorize(principal, Policy)!;
        Assert.Equal(RejectionReasons.NotPermitted, refused.ReasonCode);
        Assert.StartsWith($"{principal} may not change a model's owner team or risk tier", refused.Message, StringComparison.Ordinal);
        Assert.Contains("'governance' role", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_well_formed_command_passes() => Assert.Null(GovernanceChangeRules.Validate(Valid));

    public static TheoryData<string, ChangeModelGovernance, string, string> Malformed => new()
    {
        { "no command id", Valid with { CommandId = Guid.Empty }, RejectionReasons.MissingField, "commandId" },
        { "no model", Valid with { ModelName = "" }, RejectionReasons.MissingField, "modelName" },
        { "a model name no model has", Valid with { ModelName = "Fraud Model" }, RejectionReasons.InvalidName, "modelName" },
        { "nothing to change to", Valid with { RiskTier = null, OwnerTeam = null }, RejectionReasons.MissingField, "ownerTeam, riskTier" },
        { "a tier registration does not take", Valid with { RiskTier = "extreme" }, RejectionReasons.InvalidValue, "riskTier" },
        { "a tier in capitals", Valid with { RiskTier = "HIGH" }, RejectionReasons.InvalidValue, "riskTier" },
        { "an empty owner team", Valid with { OwnerTeam = "" }, RejectionReasons.MissingField, "ownerTeam" },
        { "an owner team no team has", Valid with { OwnerTeam = "Risk ML" }, RejectionReasons.InvalidName, "ownerTeam" },
        { "no reason", Valid with { Reason = " " }, RejectionReasons.MissingField, "reason" },
        { "a reason too long", Valid with { Reason = new string('r', 2001) }, RejectionReasons.LimitExceeded, "reason" },
        { "a NUL in requestedBy", Valid with { RequestedBy = "mi\0ra" }, RejectionReasons.InvalidValue, "requestedBy" },
    };

    [Theory]
    [MemberData(nameof(Malformed))]
    public void A_malformed_command_is_refused_naming_the_field(string why, ChangeModelGovernance command, string code, string field)
    {
        var refused = GovernanceChangeRules.Validate(command);
        Assert.True(refused is not null, why);
        Assert.Equal(code, refused.ReasonCode);
        Assert.StartsWith(field + ":", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Raising_the_tier_keeps_the_owner_team()
    {
        var (changed, refused) = GovernanceChangeRules.Decide(new ModelGovernance("risk-ml", "low"), Valid);
        Assert.Null(refused);
        Assert.Equal(new ModelGovernance("risk-ml", "critical"), changed);
    }

    [Fact]
    public void A_new_owner_team_keeps_the_tier()
    {
        var (changed, _) = GovernanceChangeRules.Decide(new ModelGovernance("risk-ml", "low"), Valid with { RiskTier = null, OwnerTeam = "payments" });
        Assert.Equal(new ModelGovernance("payments", "low"), changed);
    }

    [Fact]
    public void Both_may_change_at_once()
    {
        var (changed, _) = GovernanceChangeRules.Decide(new ModelGovernance("risk-ml", "high"), Valid with { RiskTier = "medium", OwnerTeam = "payments" });
        Assert.Equal(new ModelGovernance("payments", "medium"), changed);
    }

    [Fact]
    public void A_command_that_changes_nothing_is_refused_saying_what_the_model_already_has()
    {
        var (changed, refused) = GovernanceChangeRules.Decide(new ModelGovernance("risk-ml", "critical"), Valid with { OwnerTeam = "risk-ml" });
        Assert.Null(changed);
        Assert.Equal(RejectionReasons.InvalidValue, refused!.ReasonCode);
        Assert.Equal("nothing to change: fraud already has owner team 'risk-ml' and risk tier 'critical'", refused.Message);
    }
}
