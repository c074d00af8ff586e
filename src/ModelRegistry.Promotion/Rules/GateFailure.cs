using ModelRegistry.Platform;
using ModelRegistry.Platform.Rules;

namespace ModelRegistry.Promotion.Rules;

/// <summary>One gate that did not pass. <paramref name="Gate"/> is metric, bias or finding_severity.</summary>
public sealed record GateFailure(string Gate, string Message);
