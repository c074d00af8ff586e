using ModelRegistry.Platform;
using ModelRegistry.Platform.Rules;

namespace ModelRegistry.Promotion.Rules;

/// <summary>Whether a metric passes at or above its threshold (accuracy) or at or below it (latency, error rate).</summary>
public enum MetricDirection
{
    AtLeast,
    AtMost,
}
