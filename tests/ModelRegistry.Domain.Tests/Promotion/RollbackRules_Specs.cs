using ModelRegistry.Promotion.Rules;

namespace ModelRegistry.Domain.Tests.Promotion;

public class RollbackRules_Specs
{
    private static ProductionChange In(int version) => new(version, EnteredProduction: true);

    private static ProductionChange RolledBack(int version, string incident) => new(version, EnteredProduction: false, incident);

    [Fact]
    public void Nothing_in_production_is_nothing_to_roll_back()
    {
        var refused = RollbackRules.Decide("fraud-scorer", null, [In(1), RolledBack(1, "INC-1")]).Refused!;

        Assert.Equal(("nothing_in_production", "fraud-scorer has no version in production to roll back"), (refused.ReasonCode, refused.Message));
    }

    [Fact]
    public void The_first_production_version_has_nothing_before_it()
    {
        var refused = RollbackRules.Decide("fraud-scorer", 1, [In(1)]).Refused!;

        Assert.Equal(("no_previous_version", "fraud-scorer/1 is the only version that has been in production"), (refused.ReasonCode, refused.Message));
    }

    [Fact]
    public void A_rollback_restores_the_version_that_entered_production_before_the_current_one() =>
        Assert.Equal(new RollbackTarget(Restored: 2, Retired: 3), RollbackRules.Decide("m", 3, [In(1), In(2), In(3)]).Target);

    [Fact]
    public void A_second_rollback_goes_one_further_back_instead_of_restoring_the_version_just_rolled_back() =>
        Assert.Equal(new RollbackTarget(Restored: 1, Retired: 2),
            RollbackRules.Decide("m", 2, [In(1), In(2), In(3), RolledBack(3, "INC-1"), In(2)]).Target);

    [Fact]
    public void A_second_rollback_with_nothing_further_back_names_the_version_the_first_one_retired()
    {
        // v1 production, v2 production, rolled back to v1: v2 has been in production, so v1 is not the only one.
        var refused = RollbackRules.Decide("fraud-scorer", 1, [In(1), In(2), RolledBack(2, "INC-9"), In(1)]).Refused!;

        Assert.Equal("no_previous_version", refused.ReasonCode);
        Assert.Equal("fraud-scorer/1 is in production and no earlier version is left to roll back to: version 2, the other version that has "
            + "been in production, was retired by a rollback (incident INC-9), and a rollback never restores a version a rollback retired "
            + "(promote it instead)", refused.Message);
    }

    [Fact]
    public void When_several_were_rolled_back_each_is_named_with_its_incident()
    {
        var history = new[] { In(1), In(2), In(3), RolledBack(3, "INC-1"), In(2), RolledBack(2, "INC-2"), In(1) };

        var refused = RollbackRules.Decide("m", 1, history).Refused!;

        Assert.Contains("versions 2, 3, the others that have been in production, were retired by rollbacks (incidents INC-1, INC-2)",
            refused.Message, StringComparison.Ordinal);
    }
}
