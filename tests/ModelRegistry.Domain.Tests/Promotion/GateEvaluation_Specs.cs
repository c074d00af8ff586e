using ModelRegistry.Promotion.Rules;

namespace ModelRegistry.Domain.Tests.Promotion;

public class GateEvaluation_Specs
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 1, 12, 0, 0, TimeSpan.Zero);

    private static readonly StagePolicy Policy = Policies.Production(new StageGates(
        ["accuracy-v2", "fairness-v1"],
        [
            new MetricGate("accuracy-v2", "accuracy", MetricDirection.AtLeast, 0.9),
            new MetricGate("accuracy-v2", "p99_latency_ms", MetricDirection.AtMost, 250),
        ],
        [new BiasLimit("demographic_parity_difference", 0.05)],
        "medium"));

    private static EvaluationSummary Accuracy(double accuracy = 0.93, double latency = 200, string severity = "low", int minutes = 0) =>
        new("accuracy-v2", new Dictionary<string, double> { ["accuracy"] = accuracy, ["p99_latency_ms"] = latency }, [], severity, T0.AddMinutes(minutes));

    private static EvaluationSummary Fairness(double parity = 0.01, string severity = "none", int minutes = 0) =>
        new("fairness-v1", new Dictionary<string, double>(), [("demographic_parity_difference", parity)], severity, T0.AddMinutes(minutes));

    private static string Failures(GateResult result) => string.Join(" | ", result.Failed.Select(f => $"{f.Gate}: {f.Message}"));

    [Fact]
    public void Evaluations_that_meet_every_gate_pass()
    {
        var result = GateEvaluation.Evaluate(Policy, [Accuracy(), Fairness()]);
        Assert.True(result.Passed, Failures(result));
    }

    [Fact]
    public void A_required_suite_without_an_evaluation_is_missing_not_failed()
    {
        var result = GateEvaluation.Evaluate(Policy, [Accuracy()]);
        Assert.Equal(["fairness-v1"], result.MissingSuites);
        Assert.Empty(result.Failed);
        Assert.False(result.Passed);
    }

    [Fact]
    public void A_metric_below_an_at_least_threshold_fails_naming_suite_metric_threshold_and_value() =>
        Assert.Equal("metric: accuracy-v2/accuracy: must be at least 0.9, was 0.85",
            Failures(GateEvaluation.Evaluate(Policy, [Accuracy(accuracy: 0.85), Fairness()])));

    [Fact]
    public void A_metric_above_an_at_most_threshold_fails() =>
        Assert.Equal("metric: accuracy-v2/p99_latency_ms: must be at most 250, was 251",
            Failures(GateEvaluation.Evaluate(Policy, [Accuracy(latency: 251), Fairness()])));

    [Fact]
    public void A_metric_exactly_at_its_threshold_passes() =>
        Assert.True(GateEvaluation.Evaluate(Policy, [Accuracy(accuracy: 0.9, latency: 250), Fairness()]).Passed);

    [Fact]
    public void A_metric_the_suite_did_not_report_fails()
    {
        var noLatency = Accuracy() with { Metrics = new Dictionary<string, double> { ["accuracy"] = 0.95 } };
        Assert.Equal("metric: accuracy-v2/p99_latency_ms: must be at most 250, but the suite's latest evaluation did not report it",
            Failures(GateEvaluation.Evaluate(Policy, [noLatency, Fairness()])));
    }

    [Fact]
    public void Only_the_latest_received_evaluation_of_a_suite_counts()
    {
        Assert.True(GateEvaluation.Evaluate(Policy, [Accuracy(accuracy: 0.5) with { Received = 1 }, Accuracy(accuracy: 0.95) with { Received = 2 }, Fairness()]).Passed);
        Assert.Single(GateEvaluation.Evaluate(Policy, [Accuracy(accuracy: 0.95) with { Received = 1 }, Accuracy(accuracy: 0.5) with { Received = 2 }, Fairness()]).Failed);
    }

    [Fact]
    public void An_evaluation_received_later_counts_even_when_it_claims_an_earlier_evaluatedAt()
    {
        // The first claims to have run far in the future; the second, received after it, claims an earlier run.
        var pinned = Accuracy(accuracy: 0.99, minutes: 60 * 24 * 365) with { Received = 7 };
        var later = Accuracy(accuracy: 0.5, minutes: -60) with { Received = 8 };

        Assert.Equal("metric: accuracy-v2/accuracy: must be at least 0.9, was 0.5", Failures(GateEvaluation.Evaluate(Policy, [pinned, later, Fairness()])));
        Assert.Equal("metric: accuracy-v2/accuracy: must be at least 0.9, was 0.5", Failures(GateEvaluation.Evaluate(Policy, [later, pinned, Fairness()])));
    }

    [Fact]
    public void The_latest_per_suite_is_the_greatest_receive_number_and_on_equal_numbers_the_later_in_the_list()
    {
        var latest = LatestEvaluations.PerSuite(
        [
            Accuracy(accuracy: 0.1) with { Received = 3 }, Fairness(parity: 0.2) with { Received = 1 },
            Accuracy(accuracy: 0.3) with { Received = 2 }, Fairness(parity: 0.4) with { Received = 1 },
        ]);
        Assert.Equal((0.1, 0.4), (latest["accuracy-v2"].Metrics["accuracy"], latest["fairness-v1"].Bias[0].Value));
    }

    [Fact]
    public void Failures_are_reported_while_other_suites_are_still_missing()
    {
        var result = GateEvaluation.Evaluate(Policy, [Accuracy(accuracy: 0.5)]);
        Assert.Equal(["fairness-v1"], result.MissingSuites);
        Assert.Equal("metric: accuracy-v2/accuracy: must be at least 0.9, was 0.5", Failures(result));
    }

    [Theory]
    [InlineData(0.06)]
    [InlineData(-0.06)]
    public void Bias_beyond_the_limit_either_way_fails(double parity) =>
        Assert.Equal($"bias: fairness-v1/demographic_parity_difference: |value| must be at most 0.05, was {parity}",
            Failures(GateEvaluation.Evaluate(Policy, [Accuracy(), Fairness(parity)])));

    [Fact]
    public void Bias_that_no_required_suite_reported_fails_once_all_suites_are_in()
    {
        var fairnessWithoutBias = Fairness() with { Bias = [] };
        Assert.Equal("bias: demographic_parity_difference: must be at most 0.05 in absolute value, but no required suite reported it",
            Failures(GateEvaluation.Evaluate(Policy, [Accuracy(), fairnessWithoutBias])));
        Assert.Empty(GateEvaluation.Evaluate(Policy, [Accuracy()]).Failed);
    }

    [Fact]
    public void A_finding_worse_than_allowed_fails() =>
        Assert.Equal("finding_severity: accuracy-v2: findings must be at most 'medium', the worst was 'high'",
            Failures(GateEvaluation.Evaluate(Policy, [Accuracy(severity: "high"), Fairness()])));

    [Fact]
    public void A_finding_at_the_allowed_severity_passes() =>
        Assert.True(GateEvaluation.Evaluate(Policy, [Accuracy(severity: "medium"), Fairness()]).Passed);

    [Fact]
    public void An_unknown_severity_fails() =>
        Assert.Single(GateEvaluation.Evaluate(Policy, [Accuracy(severity: "severe"), Fairness()]).Failed);

    [Fact]
    public void Evaluations_of_suites_that_are_not_required_are_ignored()
    {
        var other = new EvaluationSummary("toxicity", new Dictionary<string, double>(), [("demographic_parity_difference", 0.9)], "critical", T0);
        Assert.True(GateEvaluation.Evaluate(Policy, [Accuracy(), Fairness(), other]).Passed);
    }

    [Fact]
    public void A_stage_without_gates_passes_with_no_evaluations() =>
        Assert.True(GateEvaluation.Evaluate(Policies.Production(), []).Passed);
}
