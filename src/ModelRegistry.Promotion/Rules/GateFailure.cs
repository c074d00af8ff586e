using ModelRegistry.Platform;
using ModelRegistry.Platform.Rules;

namespace ModelRegistry.Promotion.Rules;

/// <summary>
/// One gate that did not pass. <paramref name="Gate"/> is metric, bias or finding_severity; at the moment of promotion also
/// suite (a required suite with no evaluation, <see cref="PromotionDecisions.OnGatesAtPromotion"/>).
/// </summary>
public sealed record GateFailure(string Gate, string Message);
