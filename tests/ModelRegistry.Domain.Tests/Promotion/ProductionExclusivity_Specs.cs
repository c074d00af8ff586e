using ModelRegistry.Promotion.Rules;

namespace ModelRegistry.Domain.Tests.Promotion;

public class ProductionExclusivity_Specs
{
    private static readonly VersionStage[] Versions =
    [
        new(1, Stage.Retired),
        new(2, Stage.Production),
        new(3, Stage.Canary),
        new(4, Stage.Staging),
    ];

    [Fact]
    public void Promoting_to_production_retires_the_previous_production_version() =>
        Assert.Equal(
            [new StageChange(3, Stage.Canary, Stage.Production), new StageChange(2, Stage.Production, Stage.Retired)],
            ProductionExclusivity.Apply(Versions, 3));

    [Fact]
    public void The_first_production_version_retires_nothing() =>
        Assert.Equal(
            [new StageChange(3, Stage.Canary, Stage.Production)],
            ProductionExclusivity.Apply([new VersionStage(3, Stage.Canary), new VersionStage(4, Stage.Staging)], 3));

    [Fact]
    public void Every_other_production_holder_is_retired_if_there_were_several() =>
        Assert.Equal(
            [
                new StageChange(5, Stage.Canary, Stage.Production),
                new StageChange(2, Stage.Production, Stage.Retired),
                new StageChange(3, Stage.Production, Stage.Retired),
            ],
            ProductionExclusivity.Apply([new VersionStage(3, Stage.Production), new VersionStage(2, Stage.Production), new VersionStage(5, Stage.Canary)], 5));

    [Fact]
    public void A_non_exclusive_stage_is_shared() =>
        Assert.Equal(
            [new StageChange(4, Stage.Staging, Stage.Canary)],
            ProductionExclusivity.Apply(Versions, 4, Stage.Canary));

    [Fact]
    public void The_production_version_promoted_again_changes_nothing() =>
        Assert.Empty(ProductionExclusivity.Apply(Versions, 2));

    [Fact]
    public void An_unknown_or_retired_version_cannot_be_promoted()
    {
        Assert.Throws<ArgumentException>(() => ProductionExclusivity.Apply(Versions, 9));
        Assert.Throws<ArgumentException>(() => ProductionExclusivity.Apply(Versions, 1));
        Assert.Throws<ArgumentException>(() => ProductionExclusivity.Apply(Versions, 3, Stage.Retired));
    }
}
