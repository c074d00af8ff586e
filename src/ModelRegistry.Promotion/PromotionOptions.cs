using ModelRegistry.Promotion.Rules;
using ModelRegistry.Platform;
using ModelRegistry.Platform.Rules;

namespace ModelRegistry.Promotion;

/// <summary>The <c>Promotion</c> configuration section.</summary>
public sealed class PromotionOptions : ISettings
{
    public const string Section = "Promotion";

    /// <summary>The promotion policy file (docs/promotion-policy.md). Required by the promotion worker; relative paths are
    /// resolved against the working directory.</summary>
    public string PolicyFile { get; set; } = "";

    /// <summary>How long a promotion waits for missing evaluations when the policy gives neither an evaluation timeout nor
    /// an approval timeout for the stage.</summary>
    public TimeSpan DefaultEvaluationTimeout { get; set; } = TimeSpan.FromDays(1);

    public IEnumerable<string> Validate()
    {
        if (string.IsNullOrWhiteSpace(PolicyFile))
            yield return $"{Section}:PolicyFile is empty: the promotion worker needs a promotion policy (docs/promotion-policy.md)";
        if (DefaultEvaluationTimeout <= TimeSpan.Zero)
            yield return $"{Section}:DefaultEvaluationTimeout {DefaultEvaluationTimeout} must be positive";
    }

    /// <summary>Reads and validates the policy file: the policy, or one line per problem (naming file, line and path).</summary>
    public (PromotionPolicy? Policy, IReadOnlyList<string> Errors) LoadPolicy()
    {
        var path = Path.GetFullPath(PolicyFile);
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return (null, [$"{Section}:PolicyFile: cannot read {path}: {e.Message}"]);
        }
        var result = PromotionPolicy.Parse(text, path);
        return result.IsValid
            ? (result.Policy, [])
            : (null, result.Errors.Select(e => $"{Section}:PolicyFile: {e}").ToList());
    }
}

/// <summary>The policy the host loaded at start.</summary>
public sealed record LoadedPromotionPolicy(PromotionPolicy Policy);
