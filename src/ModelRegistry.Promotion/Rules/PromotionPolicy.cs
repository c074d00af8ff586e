using ModelRegistry.Platform;
using ModelRegistry.Platform.Rules;

namespace ModelRegistry.Promotion.Rules;

/// <summary>The promotion rules of every risk tier, read from configuration (docs/promotion-policy.md).</summary>
public sealed record PromotionPolicy(IReadOnlyDictionary<RiskTier, TierPolicy> Tiers)
{
    public TierPolicy For(RiskTier tier) => Tiers[tier];

    /// <summary>Reads and validates a policy document; errors name the source, line and JSON path.</summary>
    public static PolicyParseResult Parse(string json) => Parse(json, "policy.json");

    /// <inheritdoc cref="Parse(string)"/>
    public static PolicyParseResult Parse(string json, string sourceName)
    {
        ArgumentNullException.ThrowIfNull(json);
        ArgumentNullException.ThrowIfNull(sourceName);
        return PromotionPolicyReader.Read(json, sourceName);
    }
}
