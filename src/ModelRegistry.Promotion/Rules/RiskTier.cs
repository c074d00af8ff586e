using ModelRegistry.Platform;
using ModelRegistry.Platform.Rules;

namespace ModelRegistry.Promotion.Rules;

/// <summary>How much harm a model can do; the promotion policy is chosen by tier.</summary>
public enum RiskTier
{
    Low,
    Medium,
    High,
    Critical,
}
