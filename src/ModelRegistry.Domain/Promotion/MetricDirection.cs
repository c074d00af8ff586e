namespace ModelRegistry.Domain.Promotion;

/// <summary>Whether a metric passes at or above its threshold (accuracy) or at or below it (latency, error rate).</summary>
public enum MetricDirection
{
    AtLeast,
    AtMost,
}
