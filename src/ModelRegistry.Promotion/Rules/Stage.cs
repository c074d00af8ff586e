using ModelRegistry.Platform;
using ModelRegistry.Platform.Rules;

namespace ModelRegistry.Promotion.Rules;

/// <summary>The lifecycle stages of a model version, in promotion order; <see cref="Retired"/> is terminal.</summary>
public enum Stage
{
    Registered,
    Staging,
    Shadow,
    Canary,
    Production,
    Retired,
}
