using ModelRegistry.Contracts;
using ModelRegistry.Platform;
using ModelRegistry.Platform.Rules;

namespace ModelRegistry.Promotion.Rules;

/// <summary>What one evaluation of a version showed, as the gates need it.</summary>
/// <param name="Suite">The evaluation suite; only the latest evaluation per suite counts.</param>
/// <param name="Metrics">Metric name to value.</param>
/// <param name="Bias">Bias metric values, one per assessed attribute.</param>
/// <param name="MaxFindingSeverity">The worst security finding: none, info, low, medium, high or critical.</param>
/// <param name="EvaluatedAt">When the evaluation ran; decides which is latest.</param>
public sealed record EvaluationSummary(
    string Suite,
    IReadOnlyDictionary<string, double> Metrics,
    IReadOnlyList<(string Metric, double Value)> Bias,
    string MaxFindingSeverity,
    DateTimeOffset EvaluatedAt)
{
    /// <summary>The bias measurements with their attributes, for the approval evidence (the gates read <see cref="Bias"/>).</summary>
    public IReadOnlyList<BiasAssessment> BiasAssessments { get; init; } = [];

    /// <summary>The security findings, for the approval evidence (the gates read <see cref="MaxFindingSeverity"/>).</summary>
    public IReadOnlyList<SecurityFinding> Findings { get; init; } = [];
}
