using ModelRegistry.Platform;
using ModelRegistry.Platform.Rules;

namespace ModelRegistry.Promotion.Rules;

/// <summary>The lowercase configuration names of <see cref="RiskTier"/>.</summary>
public static class RiskTierNames
{
    public static readonly IReadOnlyList<string> All = ["low", "medium", "high", "critical"];

    public static string Format(RiskTier tier) =>
        (int)tier >= 0 && (int)tier < All.Count
            ? All[(int)tier]
            : throw new ArgumentOutOfRangeException(nameof(tier), tier, "not a risk tier");

    public static bool TryParse(string? text, out RiskTier tier)
    {
        for (var i = 0; i < All.Count; i++)
        {
            if (string.Equals(All[i], text, StringComparison.Ordinal))
            {
                tier = (RiskTier)i;
                return true;
            }
        }
        tier = default;
        return false;
    }

    /// <summary>
    /// The stricter of two tiers (docs/promotion.md, "Risk tier in force"): a promotion keeps the tier it was requested
    /// under unless the model's tier has since been raised. An unknown name yields the other; two unknown, the first.
    /// </summary>
    public static string? Stricter(string? captured, string? current)
    {
        if (!TryParse(current, out var now)) return captured;
        if (!TryParse(captured, out var then)) return current;
        return now > then ? current : captured;
    }
}
