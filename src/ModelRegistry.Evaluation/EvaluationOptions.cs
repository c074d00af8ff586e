using ModelRegistry.Platform;

namespace ModelRegistry.Evaluation;

/// <summary>The <c>Evaluation</c> configuration section.</summary>
public sealed class EvaluationOptions : ISettings
{
    public const string Section = "Evaluation";

    /// <summary>The largest <see cref="MaxClockSkewSeconds"/> accepted: a day.</summary>
    public const int MaxAllowedClockSkewSeconds = 86_400;

    /// <summary>
    /// How far an evaluation's <c>evaluatedAt</c> may lie after the registry's clock (the evaluation job's clock may run
    /// ahead); later is refused as <c>evaluated_at_in_future</c>.
    /// </summary>
    public int MaxClockSkewSeconds { get; set; } = 300;

    public TimeSpan MaxClockSkew => TimeSpan.FromSeconds(MaxClockSkewSeconds);

    public IEnumerable<string> Validate()
    {
        if (MaxClockSkewSeconds is < 0 or > MaxAllowedClockSkewSeconds)
            yield return $"{Section}:MaxClockSkewSeconds must be 0-{MaxAllowedClockSkewSeconds} seconds (was {MaxClockSkewSeconds})";
    }
}
