using ModelRegistry.Contracts;
using ModelRegistry.Registration.Rules;

namespace ModelRegistry.Domain.Tests;

/// <summary>
/// A model's first registration fixes its owner team and risk tier; a later registration that claims others is refused
/// governance_mismatch (only ChangeModelGovernance changes them).
/// </summary>
public class RegistrationDecisions_Specs_Governance
{
    private static readonly ModelGovernance FraudCritical = new("risk-ml", "critical");

    [Fact]
    public void A_registration_that_repeats_the_models_owner_team_and_risk_tier_is_registered_and_fixes_nothing()
    {
        var decided = RegistrationDecisions.Decide([Call("fraud", "k1", "risk-ml", "critical")], Existing(("fraud", 4, FraudCritical)));

        Assert.Equal(RegistrationVerdict.Registered, decided.Decisions[0].Verdict);
        Assert.Empty(decided.FixedGovernance);
    }

    [Fact]
    public void A_registration_that_lowers_the_risk_tier_is_refused_naming_the_field_the_models_tier_and_the_claimed_one()
    {
        var decided = RegistrationDecisions.Decide([Call("fraud", "k1", "risk-ml", "low")], Existing(("fraud", 4, FraudCritical)));

        var d = decided.Decisions[0];
        Assert.Equal(RegistrationVerdict.Rejected, d.Verdict);
        Assert.Equal(RejectionReasons.GovernanceMismatch, d.Rejection!.ReasonCode);
        Assert.Equal("riskTier: fraud has risk tier 'critical', not 'low'; only ChangeModelGovernance changes a model's risk tier", d.Rejection.Message);
        Assert.Equal(0, d.Version);
        Assert.Equal(4, decided.NextVersions["fraud"]);
    }

    [Theory]
    [InlineData("high")]
    [InlineData("medium")]
    public void Raising_the_tier_by_a_registration_is_refused_too(string claimed)
    {
        var read = Existing(("fraud", 2, new ModelGovernance("risk-ml", "low")));
        var d = RegistrationDecisions.Decide([Call("fraud", "k1", "risk-ml", claimed)], read).Decisions[0];

        Assert.Equal(RejectionReasons.GovernanceMismatch, d.Rejection!.ReasonCode);
        Assert.StartsWith("riskTier:", d.Rejection.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_registration_that_names_another_owner_team_is_refused_naming_both_teams()
    {
        var d = RegistrationDecisions.Decide([Call("fraud", "k1", "growth", "critical")], Existing(("fraud", 4, FraudCritical))).Decisions[0];

        Assert.Equal(RegistrationVerdict.Rejected, d.Verdict);
        Assert.Equal(RejectionReasons.GovernanceMismatch, d.Rejection!.ReasonCode);
        Assert.Equal("ownerTeam: fraud is owned by 'risk-ml', not 'growth'; only ChangeModelGovernance changes a model's owner team", d.Rejection.Message);
    }

    [Fact]
    public void The_owner_team_is_checked_before_the_risk_tier()
    {
        var d = RegistrationDecisions.Decide([Call("fraud", "k1", "growth", "low")], Existing(("fraud", 4, FraudCritical))).Decisions[0];
        Assert.StartsWith("ownerTeam:", d.Rejection!.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_first_registration_of_a_new_model_fixes_its_governance_for_the_rest_of_the_group()
    {
        var read = New(("fraud", 1));
        var decided = RegistrationDecisions.Decide(
            [Call("fraud", "k1", "risk-ml", "high"), Call("fraud", "k2", "risk-ml", "low"), Call("fraud", "k3", "growth", "high"), Call("fraud", "k4", "risk-ml", "high")],
            read);

        Assert.Equal(
            [RegistrationVerdict.Registered, RegistrationVerdict.Rejected, RegistrationVerdict.Rejected, RegistrationVerdict.Registered],
            decided.Decisions.Select(d => d.Verdict));
        Assert.All(decided.Decisions.Where(d => d.Rejection is not null), d => Assert.Equal(RejectionReasons.GovernanceMismatch, d.Rejection!.ReasonCode));
        Assert.Equal([1, 0, 0, 2], decided.Decisions.Select(d => d.Version));
        Assert.Equal(new ModelGovernance("risk-ml", "high"), decided.FixedGovernance["fraud"]);
    }

    [Fact]
    public void A_refused_first_call_of_a_new_model_fixes_nothing_the_first_registered_one_does()
    {
        var read = New(("fraud", 1));
        var decided = RegistrationDecisions.Decide(
            [Call("fraud", "k1", "risk-ml", "low", Base("nowhere", 3)), Call("fraud", "k2", "risk-ml", "critical"), Call("fraud", "k3", "risk-ml", "low")],
            read);

        Assert.Equal(RejectionReasons.UnknownBaseModel, decided.Decisions[0].Rejection!.ReasonCode);
        Assert.Equal(RegistrationVerdict.Registered, decided.Decisions[1].Verdict);
        Assert.Equal(RejectionReasons.GovernanceMismatch, decided.Decisions[2].Rejection!.ReasonCode);
        Assert.Equal(new ModelGovernance("risk-ml", "critical"), decided.FixedGovernance["fraud"]);
    }

    [Fact]
    public void A_redelivered_registration_of_a_stored_version_is_its_duplicate_even_after_the_governance_changed()
    {
        var read = Existing(("fraud", 3, FraudCritical));
        var stored = new ModelVersionRegistered { ModelName = "fraud", Version = 2, ManifestDigest = "sha256:aaaa", IdempotencyKey = "k1" };
        read.Existing[("fraud", "k1")] = stored;

        var d = RegistrationDecisions.Decide([Call("fraud", "k1", "risk-ml", "low")], read).Decisions[0];

        Assert.Equal(RegistrationVerdict.Duplicate, d.Verdict);
        Assert.Same(stored, d.Existing);
    }

    [Fact]
    public void Models_are_governed_each_on_its_own()
    {
        var read = Existing(("fraud", 1, FraudCritical));
        read.NextVersions["churn"] = 1;
        var decided = RegistrationDecisions.Decide([Call("churn", "k1", "growth", "low"), Call("fraud", "k1", "risk-ml", "critical")], read);

        Assert.All(decided.Decisions, d => Assert.Equal(RegistrationVerdict.Registered, d.Verdict));
        Assert.Equal(new ModelGovernance("growth", "low"), decided.FixedGovernance["churn"]);
        Assert.False(decided.FixedGovernance.ContainsKey("fraud"));
    }

    [Fact]
    public void What_was_read_is_not_changed()
    {
        var read = New(("fraud", 1));
        RegistrationDecisions.Decide([Call("fraud", "k1", "risk-ml", "high")], read);
        Assert.Empty(read.Governance);
    }

    private static RegistrationRequest Call(string model, string key, string team, string tier, BaseModelRef? baseModel = null) =>
        new(model, key, "sha256:aaaa", baseModel, null, null, team, tier);

    private static BaseModelRef Base(string name, int version) => new() { Name = name, Version = version };

    private static RegistrationRead Existing(params (string Model, int NextVersion, ModelGovernance Governance)[] models)
    {
        var read = new RegistrationRead();
        foreach (var (model, next, governance) in models)
        {
            read.NextVersions[model] = next;
            read.Governance[model] = governance;
        }
        return read;
    }

    private static RegistrationRead New(params (string Model, int NextVersion)[] models)
    {
        var read = new RegistrationRead();
        foreach (var (model, next) in models) read.NextVersions[model] = next;
        return read;
    }
}
