using ModelRegistry.Platform;
using ModelRegistry.Platform.Rules;

namespace ModelRegistry.Promotion.Rules;

/// <summary>A version of a model and the stage it holds.</summary>
public sealed record VersionStage(int Version, Stage Stage);
