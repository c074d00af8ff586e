using ModelRegistry.Platform;
using ModelRegistry.Platform.Rules;

namespace ModelRegistry.Promotion.Rules;

/// <summary>Version <paramref name="Version"/> moves from <paramref name="From"/> to <paramref name="To"/>.</summary>
public sealed record StageChange(int Version, Stage From, Stage To);
