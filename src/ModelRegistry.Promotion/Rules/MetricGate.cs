using ModelRegistry.Platform;
using ModelRegistry.Platform.Rules;

namespace ModelRegistry.Promotion.Rules;

/// <summary>Metric <paramref name="Name"/> of suite <paramref name="Suite"/> must be at least / at most <paramref name="Threshold"/>.</summary>
public sealed record MetricGate(string Suite, string Name, MetricDirection Direction, double Threshold);
