using ModelRegistry.Promotion.Rules;

namespace ModelRegistry.Domain.Tests.Promotion;

public class Stage_Specs
{
    [Theory]
    [InlineData(Stage.Registered, "registered")]
    [InlineData(Stage.Staging, "staging")]
    [InlineData(Stage.Shadow, "shadow")]
    [InlineData(Stage.Canary, "canary")]
    [InlineData(Stage.Production, "production")]
    [InlineData(Stage.Retired, "retired")]
    public void Stages_format_and_parse_in_lowercase(Stage stage, string name)
    {
        Assert.Equal(name, StageNames.Format(stage));
        Assert.Equal(stage, StageNames.Parse(name));
    }

    [Theory]
    [InlineData("Production")]
    [InlineData("prod")]
    [InlineData("")]
    [InlineData(" staging")]
    public void Anything_else_is_not_a_stage(string text)
    {
        Assert.False(StageNames.TryParse(text, out _));
        Assert.Throws<FormatException>(() => StageNames.Parse(text));
    }

    [Fact]
    public void Only_production_is_exclusive() =>
        Assert.Equal([Stage.Production], Enum.GetValues<Stage>().Where(StageNames.IsExclusive));

    [Fact]
    public void Risk_tiers_format_and_parse_in_lowercase()
    {
        Assert.Equal("critical", RiskTierNames.Format(RiskTier.Critical));
        Assert.True(RiskTierNames.TryParse("medium", out var tier));
        Assert.Equal(RiskTier.Medium, tier);
        Assert.False(RiskTierNames.TryParse("High", out _));
    }
}
