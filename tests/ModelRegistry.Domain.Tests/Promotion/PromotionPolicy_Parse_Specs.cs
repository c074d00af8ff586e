using ModelRegistry.Promotion.Rules;

namespace ModelRegistry.Domain.Tests.Promotion;

public class PromotionPolicy_Parse_Specs
{
    // Line numbers in the assertions below count lines of this text, starting at 1 on the opening brace.
    private const string Valid = """
        {
          "tiers": {
            "low": { "staging": { "from": ["registered"] } },
            "medium": { "staging": { "from": ["registered"] } },
            "critical": { "staging": { "from": ["registered"] } },
            "high": {
              "staging": { "from": ["registered"] },
              "production": {
                "from": ["staging"],
                "gates": {
                  "requiredSuites": ["accuracy-v2"],
                  "metrics": [
                    { "suite": "accuracy-v2", "name": "accuracy",
                      "direction": "at_least", "threshold": 0.9 }
                  ],
                  "bias": [{ "metric": "demographic_parity_difference", "maxAbs": 0.05 }],
                  "maxFindingSeverity": "medium"
                },
                "approvals": { "roles": ["model-risk-officer", "security-review"], "distinctApprovers": 2, "timeout": "P3D" },
                "evaluationTimeout": "PT24H"
              }
            }
          }
        }
        """;

    private static PolicyError SingleError(string json)
    {
        var result = PromotionPolicy.Parse(json);
        Assert.Null(result.Policy);
        return Assert.Single(result.Errors);
    }

    private static string Replace(string from, string to)
    {
        Assert.Contains(from, Valid, StringComparison.Ordinal);
        return Valid.Replace(from, to, StringComparison.Ordinal);
    }

    [Fact]
    public void A_valid_policy_is_read_in_full()
    {
        var result = PromotionPolicy.Parse(Valid);
        Assert.Empty(result.Errors);
        var production = result.Policy!.For(RiskTier.High).For(Stage.Production)!;
        Assert.Equal([Stage.Staging], production.From);
        Assert.Equal(["accuracy-v2"], production.Gates.RequiredSuites);
        Assert.Equal([new MetricGate("accuracy-v2", "accuracy", MetricDirection.AtLeast, 0.9)], production.Gates.Metrics);
        Assert.Equal([new BiasLimit("demographic_parity_difference", 0.05)], production.Gates.Bias);
        Assert.Equal("medium", production.Gates.MaxFindingSeverity);
        Assert.Equal(["model-risk-officer", "security-review"], production.Approvals!.Roles);
        Assert.Equal(2, production.Approvals.DistinctApprovers);
        Assert.Equal(TimeSpan.FromDays(3), production.Approvals.Timeout);
        Assert.Equal(TimeSpan.FromHours(24), production.EvaluationTimeout);
        Assert.Null(result.Policy.For(RiskTier.Low).For(Stage.Production));
        Assert.Equal(StageGates.None, result.Policy.For(RiskTier.Low).For(Stage.Staging)!.Gates);
    }

    [Fact]
    public void A_bad_direction_names_the_file_line_path_and_allowed_values() =>
        Assert.Equal(
            "policy.json line 14: tiers.high.production.gates.metrics[0].direction: 'upward' is not one of at_least, at_most",
            SingleError(Replace("\"at_least\"", "\"upward\"")).ToString());

    [Fact]
    public void The_source_name_is_the_one_given()
    {
        var error = Assert.Single(PromotionPolicy.Parse(Replace("\"at_least\"", "\"upward\""), "/etc/mreg/promotion.json").Errors);
        Assert.StartsWith("/etc/mreg/promotion.json line 14: ", error.ToString(), StringComparison.Ordinal);
        Assert.Equal(14, error.Line);
        Assert.Equal(28, error.Column);
    }

    [Fact]
    public void Syntax_errors_name_the_line()
    {
        var error = SingleError(Replace("\"threshold\": 0.9 }", "\"threshold\": 0.9, }"));
        Assert.Equal(14, error.Line);
        Assert.StartsWith("policy.json line 14: not valid JSON: ", error.ToString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    public void An_empty_document_is_an_error(string json) =>
        Assert.Equal("policy.json line 1: the document is empty", SingleError(json).ToString());

    [Fact]
    public void A_document_of_only_comments_is_an_error() =>
        Assert.StartsWith("policy.json line 1: not valid JSON: ", SingleError("// only a comment").ToString(), StringComparison.Ordinal);

    [Fact]
    public void Content_after_the_policy_is_an_error() =>
        Assert.Contains("not valid JSON", SingleError(Valid + "\n{}").Message, StringComparison.Ordinal);

    [Fact]
    public void Comments_are_allowed() =>
        Assert.True(PromotionPolicy.Parse(Replace("\"evaluationTimeout\": \"PT24H\"", "// a day\n\"evaluationTimeout\": \"PT24H\"")).IsValid);

    [Fact]
    public void Unknown_properties_are_errors_on_their_own_line() =>
        Assert.Equal(
            "policy.json line 11: tiers.high.production.gates.requiredSuite: unknown property; expected one of requiredSuites, metrics, bias, maxFindingSeverity",
            SingleError(Replace("\"requiredSuites\": [\"accuracy-v2\"],", "\"requiredSuites\": [\"accuracy-v2\"], \"requiredSuite\": [],")).ToString());

    [Fact]
    public void A_property_given_twice_is_an_error() =>
        Assert.Equal("policy.json line 20: tiers.high.production.evaluationTimeout: appears more than once",
            SingleError(Replace("\"evaluationTimeout\": \"PT24H\"", "\"evaluationTimeout\": \"PT24H\", \"evaluationTimeout\": \"PT1H\"")).ToString());

    [Fact]
    public void Every_error_is_reported_not_just_the_first()
    {
        var result = PromotionPolicy.Parse(Replace("\"at_least\"", "\"upward\"").Replace("\"P3D\"", "\"3 days\"", StringComparison.Ordinal));
        Assert.Equal([14, 19], result.Errors.Select(e => e.Line));
        Assert.Equal("tiers.high.production.approvals.timeout: '3 days' is not an ISO-8601 duration such as \"P3D\" or \"PT24H\"",
            $"{result.Errors[1].Path}: {result.Errors[1].Message}");
    }

    [Fact]
    public void Every_tier_is_required() =>
        Assert.Equal("policy.json line 2: tiers.medium: is required",
            SingleError(Replace("\"medium\": { \"staging\": { \"from\": [\"registered\"] } },\n", "")).ToString());

    [Fact]
    public void An_unknown_tier_is_an_error() =>
        Assert.Equal("tiers.extreme", SingleError(Replace("\"critical\": { \"staging\": { \"from\": [\"registered\"] } },",
            "\"critical\": { \"staging\": { \"from\": [\"registered\"] } }, \"extreme\": {},")).Path);

    [Theory]
    [InlineData("registered")]
    [InlineData("retired")]
    [InlineData("prod")]
    public void Only_staging_shadow_canary_and_production_are_targets(string target) =>
        Assert.Equal($"tiers.low.{target}", SingleError(Replace("\"low\": { \"staging\"", $"\"low\": {{ \"{target}\": {{ \"from\": [\"registered\"] }}, \"staging\"")).Path);

    [Fact]
    public void From_is_required() =>
        Assert.Equal("policy.json line 3: tiers.low.staging.from: is required",
            SingleError(Replace("\"low\": { \"staging\": { \"from\": [\"registered\"] } }", "\"low\": { \"staging\": { } }")).ToString());

    [Fact]
    public void From_must_not_be_empty() =>
        Assert.Equal("must list at least one stage",
            SingleError(Replace("\"low\": { \"staging\": { \"from\": [\"registered\"] } }", "\"low\": { \"staging\": { \"from\": [] } }")).Message);

    [Theory]
    [InlineData("production")]
    [InlineData("retired")]
    [InlineData("canary-ish")]
    public void From_lists_only_stages_before_the_target(string source)
    {
        var error = SingleError(Replace("\"from\": [\"staging\"]", $"\"from\": [\"{source}\"]"));
        Assert.Equal("tiers.high.production.from[0]", error.Path);
        Assert.Equal($"'{source}' is not one of registered, staging, shadow, canary", error.Message);
        Assert.Equal(9, error.Line);
    }

    [Fact]
    public void From_may_not_name_a_stage_the_tier_never_reaches()
    {
        var error = SingleError(Replace("\"from\": [\"staging\"]", "\"from\": [\"canary\"]"));
        Assert.Equal("tiers.high.production.from[0]", error.Path);
        Assert.Equal("'canary' is never reached in this tier: tiers.high does not define it", error.Message);
    }

    [Fact]
    public void A_stage_listed_twice_in_from_is_an_error() =>
        Assert.Equal("'staging' is listed more than once", SingleError(Replace("\"from\": [\"staging\"]", "\"from\": [\"staging\", \"staging\"]")).Message);

    [Fact]
    public void A_metric_on_a_suite_that_is_not_required_is_an_error() =>
        Assert.Equal("policy.json line 13: tiers.high.production.gates.metrics[0].suite: 'accuracy-v3' is not in requiredSuites, so it would never be evaluated",
            SingleError(Replace("{ \"suite\": \"accuracy-v2\"", "{ \"suite\": \"accuracy-v3\"")).ToString());

    [Fact]
    public void A_metric_needs_every_field() =>
        Assert.Equal("policy.json line 13: tiers.high.production.gates.metrics[0].threshold: is required",
            SingleError(Replace(", \"threshold\": 0.9", "")).ToString());

    [Theory]
    [InlineData("\"0.9\"", "must be a number, not a string")]
    [InlineData("null", "must be a number, not null")]
    [InlineData("1e999", "is not a finite number")]
    public void A_threshold_is_a_number(string threshold, string message) =>
        Assert.Equal(message, SingleError(Replace("\"threshold\": 0.9", $"\"threshold\": {threshold}")).Message);

    [Fact]
    public void A_negative_bias_limit_is_an_error() =>
        Assert.Equal("policy.json line 16: tiers.high.production.gates.bias[0].maxAbs: -0.05 is below 0",
            SingleError(Replace("\"maxAbs\": 0.05", "\"maxAbs\": -0.05")).ToString());

    [Fact]
    public void An_unknown_finding_severity_is_an_error() =>
        Assert.Equal("'severe' is not one of none, info, low, medium, high, critical",
            SingleError(Replace("\"maxFindingSeverity\": \"medium\"", "\"maxFindingSeverity\": \"severe\"")).Message);

    [Fact]
    public void Bias_and_severity_gates_need_required_suites()
    {
        var paths = PromotionPolicy.Parse(Replace("\"requiredSuites\": [\"accuracy-v2\"],", "")).Errors.Select(e => e.Path).ToList();
        Assert.Contains("tiers.high.production.gates.bias", paths);
        Assert.Contains("tiers.high.production.gates.maxFindingSeverity", paths);
    }

    [Fact]
    public void A_suite_listed_twice_is_an_error() =>
        Assert.Equal("tiers.high.production.gates.requiredSuites[1]",
            SingleError(Replace("\"requiredSuites\": [\"accuracy-v2\"]", "\"requiredSuites\": [\"accuracy-v2\", \"accuracy-v2\"]")).Path);

    [Fact]
    public void A_suite_name_must_be_a_name() =>
        Assert.StartsWith("'Accuracy V2' is not a suite name",
            SingleError(Replace("\"requiredSuites\": [\"accuracy-v2\"]", "\"requiredSuites\": [\"accuracy-v2\", \"Accuracy V2\"]")).Message, StringComparison.Ordinal);

    [Theory]
    [InlineData("1", "1 is fewer than the 2 roles; each role needs its own approver")]
    [InlineData("0", "must be a whole number of at least 1, not 0")]
    [InlineData("2.5", "must be a whole number of at least 1, not 2.5")]
    [InlineData("\"2\"", "must be a whole number of at least 1, not a string")]
    public void Distinct_approvers_is_a_whole_number_covering_every_role(string count, string message)
    {
        var error = SingleError(Replace("\"distinctApprovers\": 2", $"\"distinctApprovers\": {count}"));
        Assert.Equal("tiers.high.production.approvals.distinctApprovers", error.Path);
        Assert.Equal(message, error.Message);
        Assert.Equal(19, error.Line);
    }

    [Fact]
    public void Approvals_need_at_least_one_role() =>
        Assert.Equal("must list at least one role; leave out approvals when no one needs to sign",
            SingleError(Replace("\"roles\": [\"model-risk-officer\", \"security-review\"], \"distinctApprovers\": 2", "\"roles\": [], \"distinctApprovers\": 2")).Message);

    [Theory]
    [InlineData("PT0S", "'PT0S' is not a positive duration")]
    [InlineData("-P1D", "'-P1D' is not a positive duration")]
    [InlineData("24h", "'24h' is not an ISO-8601 duration such as \"P3D\" or \"PT24H\"")]
    public void Durations_are_positive_iso_8601(string duration, string message)
    {
        var error = SingleError(Replace("\"PT24H\"", $"\"{duration}\""));
        Assert.Equal("tiers.high.production.evaluationTimeout", error.Path);
        Assert.Equal(message, error.Message);
    }

    [Fact]
    public void A_duration_is_a_string() =>
        Assert.StartsWith("must be an ISO-8601 duration string", SingleError(Replace("\"timeout\": \"P3D\"", "\"timeout\": 3")).Message, StringComparison.Ordinal);

    [Fact]
    public void The_root_must_be_an_object() =>
        Assert.Equal("policy.json line 1: must be an object, not an array", SingleError("[]").ToString());
}
