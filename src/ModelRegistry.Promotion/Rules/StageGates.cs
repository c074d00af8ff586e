using ModelRegistry.Platform;
using ModelRegistry.Platform.Rules;

namespace ModelRegistry.Promotion.Rules;

/// <summary>What the evaluations must show before a version may take a stage.</summary>
/// <param name="RequiredSuites">Suites that must have an evaluation of the version; the promotion waits for missing ones.</param>
/// <param name="Metrics">Thresholds on metrics of the required suites.</param>
/// <param name="Bias">Limits on bias metrics reported by the required suites.</param>
/// <param name="MaxFindingSeverity">The worst security finding allowed (none, info, low, medium, high, critical); null means no limit.</param>
public sealed record StageGates(
    IReadOnlyList<string> RequiredSuites,
    IReadOnlyList<MetricGate> Metrics,
    IReadOnlyList<BiasLimit> Bias,
    string? MaxFindingSeverity)
{
    public static readonly StageGates None = new([], [], [], null);
}
