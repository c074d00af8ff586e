using ModelRegistry.Contracts;
using ModelRegistry.Platform;
using ModelRegistry.Platform.Rules;

namespace ModelRegistry.Promotion.Rules;

/// <summary>What one evaluation of a version showed, as the gates need it.</summary>
/// <param name="Suite">The evaluation suite; only the latest received evaluation per suite counts (<see cref="LatestEvaluations"/>).</param>
/// <param name="Metrics">Metric name to value.</param>
/// <param name="Bias">Bias metric values, one per assessed attribute.</param>
/// <param name="MaxFindingSeverity">The worst security finding: none, info, low, medium, high or critical.</param>
/// <param name="EvaluatedAt">When the publisher says the evaluation ran: kept as claimed, never used to decide which is latest.</param>
public sealed record EvaluationSummary(
    string Suite,
    IReadOnlyDictionary<string, double> Metrics,
    IReadOnlyList<(string Metric, double Value)> Bias,
    string MaxFindingSeverity,
    DateTimeOffset EvaluatedAt)
{
    /// <summary>
    /// The registry's receive order (<c>registry.evaluations.received_seq</c>, one database sequence for every host): the
    /// greater, the later the registry received it. It decides which evaluation of a suite is the latest.
    /// </summary>
    public long Received { get; init; }

    /// <summary>The bias measurements with their attributes, for the approval evidence (the gates read <see cref="Bias"/>).</summary>
    public IReadOnlyList<BiasAssessment> BiasAssessments { get; init; } = [];

    /// <summary>The security findings, for the approval evidence (the gates read <see cref="MaxFindingSeverity"/>).</summary>
    public IReadOnlyList<SecurityFinding> Findings { get; init; } = [];
}
