using ModelRegistry.Platform;
using ModelRegistry.Platform.Rules;

namespace ModelRegistry.Promotion.Rules;

/// <summary>Every reported value of bias metric <paramref name="Metric"/> must have an absolute value of at most <paramref name="MaxAbs"/>.</summary>
public sealed record BiasLimit(string Metric, double MaxAbs);
