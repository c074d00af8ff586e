namespace ModelRegistry.Domain.Promotion;

/// <summary>Every reported value of bias metric <paramref name="Metric"/> must have an absolute value of at most <paramref name="MaxAbs"/>.</summary>
public sealed record BiasLimit(string Metric, double MaxAbs);
