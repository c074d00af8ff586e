using System.Text.RegularExpressions;
using ModelRegistry.Promotion.Rules;

namespace ModelRegistry.Domain.Tests.Promotion;

/// <summary>The example in docs/promotion-policy.md is a valid policy and means what the doc says.</summary>
public partial class Policy_document_Specs
{
    private static readonly string Repo = Path.GetFullPath(Path.Combine(AppContext.BaseDirectory, "../../../../.."));

    [GeneratedRegex("<!-- policy-example[^>]*-->\\s*```json\\n(?<json>.*?)\\n```", RegexOptions.Singleline)]
    private static partial Regex Example();

    private static string DocumentedExample()
    {
        var doc = File.ReadAllText(Path.Combine(Repo, "docs/promotion-policy.md"));
        var match = Example().Match(doc);
        Assert.True(match.Success, "docs/promotion-policy.md has no policy-example json block");
        return match.Groups["json"].Value;
    }

    [Fact]
    public void The_documented_example_is_a_valid_policy()
    {
        var result = PromotionPolicy.Parse(DocumentedExample(), "docs/promotion-policy.md");
        Assert.True(result.IsValid, string.Join("\n", result.Errors));
    }

    [Fact]
    public void The_documented_example_means_what_the_doc_says()
    {
        var policy = PromotionPolicy.Parse(DocumentedExample()).Policy!;

        // Medium tier may skip canary.
        Assert.Null(PromotionRules.CheckTransition(Stage.Staging, Stage.Production, policy.For(RiskTier.Medium)));
        // High tier may not.
        Assert.Equal(PromotionRefusals.TransitionNotAllowed,
            PromotionRules.CheckTransition(Stage.Staging, Stage.Production, policy.For(RiskTier.High))?.ReasonCode);
        // Low tier has no shadow or canary stage.
        Assert.Equal(PromotionRefusals.StageNotInPolicy,
            PromotionRules.CheckTransition(Stage.Staging, Stage.Canary, policy.For(RiskTier.Low))?.ReasonCode);

        var critical = policy.For(RiskTier.Critical).For(Stage.Production)!;
        Assert.Equal(3, critical.Approvals!.DistinctApprovers);
        Assert.Equal(TimeSpan.FromDays(5), critical.Approvals.Timeout);
        Assert.Equal(TimeSpan.FromHours(72), critical.EvaluationTimeout);
        Assert.Equal("info", critical.Gates.MaxFindingSeverity);
        Assert.Equal(2, critical.Gates.Bias.Count);
    }

    [Fact]
    public void The_error_shown_in_the_doc_is_the_one_the_parser_gives()
    {
        var doc = File.ReadAllText(Path.Combine(Repo, "docs/promotion-policy.md"));
        var shown = Regex.Match(doc, "```text\\n(?<error>policy\\.json line \\d+: .*)\\n```").Groups["error"].Value;
        var example = DocumentedExample();
        // Break the first metric of the high tier's production stage, as the doc's error describes.
        var high = example.IndexOf("\"high\": {", StringComparison.Ordinal);
        var production = example.IndexOf("\"production\"", high, StringComparison.Ordinal);
        var direction = example.IndexOf("\"at_least\"", production, StringComparison.Ordinal);
        var broken = string.Concat(example.AsSpan(0, direction), "\"upward\"", example.AsSpan(direction + "\"at_least\"".Length));

        var error = Assert.Single(PromotionPolicy.Parse(broken).Errors);
        Assert.Equal(Regex.Replace(shown, "line \\d+", "line N"), Regex.Replace(error.ToString(), "line \\d+", "line N"));
    }
}
