using ModelRegistry.Retention.Rules;

namespace ModelRegistry.Domain.Tests.Retention;

public class RetentionPolicy_Specs
{
    private static readonly Dictionary<string, string> NoTags = [];
    private static readonly Dictionary<string, string> Experimental = new() { ["tier"] = "experimental", ["owner"] = "lab" };

    private static RetentionRule Rule(string name, string? team = null, string? key = null, string? value = null) => new(name, team, key, value, 30, 0, null);

    [Fact]
    public void A_rule_with_no_match_matches_every_model()
    {
        Assert.True(Rule("all").Matches("vision", NoTags));
        Assert.True(Rule("all").Matches("", Experimental));
    }

    [Fact]
    public void A_team_matches_that_team_exactly()
    {
        var rule = Rule("vision", team: "vision");
        Assert.True(rule.Matches("vision", NoTags));
        Assert.False(rule.Matches("Vision", NoTags));
        Assert.False(rule.Matches("vision-eu", NoTags));
        Assert.False(rule.Matches("speech", Experimental));
    }

    [Fact]
    public void A_tag_key_alone_matches_any_value_of_it()
    {
        var rule = Rule("tiered", key: "tier");
        Assert.True(rule.Matches("speech", Experimental));
        Assert.True(rule.Matches("speech", new Dictionary<string, string> { ["tier"] = "" }));
        Assert.False(rule.Matches("speech", NoTags));
        Assert.False(rule.Matches("speech", new Dictionary<string, string> { ["Tier"] = "experimental" }));
    }

    [Fact]
    public void A_tag_key_and_value_match_that_value_exactly()
    {
        var rule = Rule("experiments", key: "tier", value: "experimental");
        Assert.True(rule.Matches("speech", Experimental));
        Assert.False(rule.Matches("speech", new Dictionary<string, string> { ["tier"] = "Experimental" }));
        Assert.False(rule.Matches("speech", new Dictionary<string, string> { ["tier"] = "product" }));
        Assert.False(rule.Matches("speech", new Dictionary<string, string> { ["owner"] = "experimental" }));
    }

    [Fact]
    public void A_team_and_a_tag_must_both_fit()
    {
        var rule = Rule("vision-experiments", team: "vision", key: "tier", value: "experimental");
        Assert.True(rule.Matches("vision", Experimental));
        Assert.False(rule.Matches("speech", Experimental));
        Assert.False(rule.Matches("vision", NoTags));
    }

    [Fact]
    public void The_first_rule_that_matches_decides_and_none_is_null()
    {
        var policy = new RetentionPolicy([Rule("vision", team: "vision"), Rule("experiments", key: "tier", value: "experimental"), Rule("speech", team: "speech")]);
        Assert.Equal("vision", policy.RuleFor("vision", Experimental)!.Name);
        Assert.Equal("experiments", policy.RuleFor("speech", Experimental)!.Name);
        Assert.Equal("speech", policy.RuleFor("speech", NoTags)!.Name);
        Assert.Null(policy.RuleFor("ranking", NoTags));
        Assert.Null(new RetentionPolicy([]).RuleFor("vision", Experimental));
    }

    [Fact]
    public void A_model_without_tags_is_refused_as_null()
    {
        Assert.Throws<ArgumentNullException>(() => Rule("all").Matches("vision", null!));
    }
}
