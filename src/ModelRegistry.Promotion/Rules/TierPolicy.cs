using ModelRegistry.Platform;
using ModelRegistry.Platform.Rules;

namespace ModelRegistry.Promotion.Rules;

/// <summary>The promotion rules of one risk tier: a target stage it does not list cannot be promoted to.</summary>
public sealed record TierPolicy(RiskTier Tier, IReadOnlyDictionary<Stage, StagePolicy> Stages)
{
    public StagePolicy? For(Stage target) => Stages.TryGetValue(target, out var policy) ? policy : null;
}
