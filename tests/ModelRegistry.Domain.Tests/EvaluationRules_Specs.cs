using ModelRegistry.Contracts;
using ModelRegistry.Evaluation.Rules;

namespace ModelRegistry.Domain.Tests;

public class EvaluationRules_Specs
{
    private const string Digest = "sha256:" + Valid.Sha;

    [Fact]
    public void A_complete_evaluation_by_name_and_version_is_accepted() => Assert.Null(EvaluationRules.Validate(Valid.Evaluation()));

    [Fact]
    public void An_evaluation_by_manifest_digest_is_accepted() =>
        Assert.Null(EvaluationRules.Validate(Valid.Evaluation(e => e with { ModelName = null, Version = null, ArtifactDigest = Digest })));

    [Fact]
    public void A_minimal_evaluation_is_accepted() =>
        Assert.Null(EvaluationRules.Validate(Valid.Evaluation(e => e with
        {
            Dataset = null,
            Metrics = [],
            BiasAssessments = [],
            SecurityFindings = [],
        })));

    [Fact]
    public void The_evaluation_id_is_required() =>
        AssertRefused(e => e with { EvaluationId = Guid.Empty }, RejectionReasons.MissingField, "evaluationId");

    [Fact]
    public void Naming_the_version_both_ways_is_an_invalid_value() =>
        AssertRefused(e => e with { ArtifactDigest = Digest }, RejectionReasons.InvalidValue, "artifactDigest");

    [Fact]
    public void Naming_the_version_neither_way_is_an_invalid_value() =>
        AssertRefused(e => e with { ModelName = null, Version = null }, RejectionReasons.InvalidValue, "modelName");

    [Fact]
    public void A_version_without_a_model_name_counts_as_naming_by_name_and_both_are_needed()
    {
        AssertRefused(e => e with { ModelName = null }, RejectionReasons.MissingField, "modelName");
        AssertRefused(e => e with { Version = null }, RejectionReasons.MissingField, "version");
        AssertRefused(e => e with { Version = null, ArtifactDigest = Digest }, RejectionReasons.InvalidValue, "artifactDigest");
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    public void Version_numbers_below_1_are_invalid_values(int version) =>
        AssertRefused(e => e with { Version = version }, RejectionReasons.InvalidValue, "version");

    [Fact]
    public void An_invalid_model_name_is_an_invalid_name() =>
        AssertRefused(e => e with { ModelName = "Fraud Detector" }, RejectionReasons.InvalidName, "modelName");

    [Theory]
    [InlineData("0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef")]
    [InlineData("sha256:0123456789ABCDEF0123456789abcdef0123456789abcdef0123456789abcdef")]
    [InlineData("sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcde")]
    [InlineData("sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef\n")]
    [InlineData("SHA256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef")]
    [InlineData("sha512:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef")]
    public void Artifact_digests_not_of_the_form_sha256_hex_are_invalid_values(string digest) =>
        AssertRefused(e => e with { ModelName = null, Version = null, ArtifactDigest = digest }, RejectionReasons.InvalidValue, "artifactDigest");

    [Theory]
    [InlineData("", RejectionReasons.MissingField)]
    [InlineData("Accuracy", RejectionReasons.InvalidName)]
    [InlineData("accuracy v2", RejectionReasons.InvalidName)]
    public void The_suite_is_a_required_name(string suite, string reason) =>
        AssertRefused(e => e with { Suite = suite }, reason, "suite");

    [Fact]
    public void A_suite_of_100_characters_is_accepted_and_101_is_invalid()
    {
        Assert.Null(EvaluationRules.Validate(Valid.Evaluation(e => e with { Suite = Valid.Name(100) })));
        AssertRefused(e => e with { Suite = Valid.Name(101) }, RejectionReasons.InvalidName, "suite");
    }

    [Fact]
    public void The_dataset_when_given_has_the_lineage_limits()
    {
        AssertRefused(e => e with { Dataset = e.Dataset! with { Name = Valid.Repeat('n', 201) } }, RejectionReasons.LimitExceeded, "dataset.name");
        AssertRefused(e => e with { Dataset = e.Dataset! with { Version = "" } }, RejectionReasons.MissingField, "dataset.version");
    }

    [Fact]
    public void Two_hundred_metrics_are_accepted_and_201_are_over_the_limit()
    {
        Assert.Null(EvaluationRules.Validate(Valid.Evaluation(e => e with { Metrics = Metrics(200) })));
        AssertRefused(e => e with { Metrics = Metrics(201) }, RejectionReasons.LimitExceeded, "metrics");
    }

    [Theory]
    [InlineData("AUC")]
    [InlineData("f1 score")]
    [InlineData("")]
    [InlineData("-loss")]
    public void Metric_names_outside_the_charset_are_invalid_names(string name) =>
        AssertRefused(e => e with { Metrics = new() { [name] = 1 } }, RejectionReasons.InvalidName, "metrics[");

    [Theory]
    [InlineData(double.NaN)]
    [InlineData(double.PositiveInfinity)]
    [InlineData(double.NegativeInfinity)]
    public void Metric_and_bias_values_that_are_not_finite_are_invalid_values(double value)
    {
        AssertRefused(e => e with { Metrics = new() { ["auc"] = value } }, RejectionReasons.InvalidValue, "metrics['auc']");
        AssertRefused(e => e with { BiasAssessments = [e.BiasAssessments[0] with { Value = value }] },
            RejectionReasons.InvalidValue, "biasAssessments[0].value");
    }

    [Theory]
    [InlineData(double.MaxValue)]
    [InlineData(double.MinValue)]
    [InlineData(-0.0)]
    [InlineData(double.Epsilon)]
    public void Extreme_finite_values_are_accepted(double value) =>
        Assert.Null(EvaluationRules.Validate(Valid.Evaluation(e => e with { Metrics = new() { ["m"] = value } })));

    [Fact]
    public void Two_hundred_bias_assessments_are_accepted_and_201_are_over_the_limit()
    {
        Assert.Null(EvaluationRules.Validate(Valid.Evaluation(e => e with { BiasAssessments = Bias(200) })));
        AssertRefused(e => e with { BiasAssessments = Bias(201) }, RejectionReasons.LimitExceeded, "biasAssessments");
    }

    [Fact]
    public void Bias_assessment_fields_are_checked()
    {
        var b = Valid.Evaluation().BiasAssessments[0];
        Assert.Null(EvaluationRules.Validate(Valid.Evaluation(e => e with { BiasAssessments = [b with { Attribute = Valid.Repeat('a', 100) }] })));
        AssertRefused(e => e with { BiasAssessments = [b, b with { Attribute = Valid.Repeat('a', 101) }] }, RejectionReasons.LimitExceeded, "biasAssessments[1].attribute");
        AssertRefused(e => e with { BiasAssessments = [b with { Attribute = "" }] }, RejectionReasons.MissingField, "biasAssessments[0].attribute");
        AssertRefused(e => e with { BiasAssessments = [b with { Metric = "Parity" }] }, RejectionReasons.InvalidName, "biasAssessments[0].metric");
        AssertRefused(e => e with { BiasAssessments = [null!] }, RejectionReasons.MissingField, "biasAssessments[0]");
    }

    [Fact]
    public void Five_hundred_findings_are_accepted_and_501_are_over_the_limit()
    {
        Assert.Null(EvaluationRules.Validate(Valid.Evaluation(e => e with { SecurityFindings = Findings(500) })));
        AssertRefused(e => e with { SecurityFindings = Findings(501) }, RejectionReasons.LimitExceeded, "securityFindings");
    }

    [Theory]
    [InlineData("info")]
    [InlineData("low")]
    [InlineData("medium")]
    [InlineData("high")]
    [InlineData("critical")]
    public void Each_finding_severity_is_accepted(string severity) =>
        Assert.Null(EvaluationRules.Validate(Valid.Evaluation(e => e with { SecurityFindings = [Finding(severity)] })));

    [Theory]
    [InlineData("none", RejectionReasons.InvalidValue)]
    [InlineData("High", RejectionReasons.InvalidValue)]
    [InlineData("severe", RejectionReasons.InvalidValue)]
    [InlineData("", RejectionReasons.MissingField)]
    public void Other_finding_severities_are_refused(string severity, string reason) =>
        AssertRefused(e => e with { SecurityFindings = [Finding("low"), Finding(severity)] }, reason, "securityFindings[1].severity");

    [Fact]
    public void Finding_titles_of_1000_characters_are_accepted_and_1001_are_over_the_limit()
    {
        Assert.Null(EvaluationRules.Validate(Valid.Evaluation(e => e with { SecurityFindings = [Finding("low") with { Title = Valid.Repeat('t', 1000) }] })));
        AssertRefused(e => e with { SecurityFindings = [Finding("low") with { Title = Valid.Repeat('t', 1001) }] },
            RejectionReasons.LimitExceeded, "securityFindings[0].title");
    }

    [Fact]
    public void Finding_ids_are_required_and_at_most_200_characters()
    {
        Assert.Null(EvaluationRules.Validate(Valid.Evaluation(e => e with { SecurityFindings = [Finding("low") with { Id = Valid.Repeat('i', 200) }] })));
        AssertRefused(e => e with { SecurityFindings = [Finding("low") with { Id = Valid.Repeat('i', 201) }] }, RejectionReasons.LimitExceeded, "securityFindings[0].id");
        AssertRefused(e => e with { SecurityFindings = [Finding("low") with { Id = "" }] }, RejectionReasons.MissingField, "securityFindings[0].id");
    }

    [Fact]
    public void Evaluated_at_is_required() =>
        AssertRefused(e => e with { EvaluatedAt = default }, RejectionReasons.MissingField, "evaluatedAt");

    [Fact]
    public void The_max_severity_of_no_findings_is_none() => Assert.Equal("none", EvaluationRules.MaxSeverity([]));

    [Theory]
    [InlineData("info", "info")]
    [InlineData("low,info", "low")]
    [InlineData("info,medium,low", "medium")]
    [InlineData("high,medium", "high")]
    [InlineData("low,critical,high,info", "critical")]
    [InlineData("bogus", "none")]
    [InlineData("bogus,low", "low")]
    public void The_max_severity_is_the_most_severe_finding(string severities, string expected) =>
        Assert.Equal(expected, EvaluationRules.MaxSeverity(severities.Split(',').Select(Finding)));

    private static void AssertRefused(Func<EvaluationCompleted, EvaluationCompleted> change, string reason, string field)
    {
        var refusal = EvaluationRules.Validate(Valid.Evaluation(change));
        Assert.Equal(reason, refusal?.ReasonCode);
        Assert.StartsWith(field, refusal!.Message, StringComparison.Ordinal);
    }

    private static SecurityFinding Finding(string severity) => new() { Id = "F-1", Severity = severity, Title = "t" };

    private static Dictionary<string, double> Metrics(int count) => Enumerable.Range(0, count).ToDictionary(i => $"m{i}", i => (double)i);

    private static List<BiasAssessment> Bias(int count) =>
        Enumerable.Range(0, count).Select(i => new BiasAssessment { Attribute = $"a{i}", Metric = "parity", Value = 0.1 }).ToList();

    private static List<SecurityFinding> Findings(int count) => Enumerable.Range(0, count).Select(_ => Finding("info")).ToList();
}
