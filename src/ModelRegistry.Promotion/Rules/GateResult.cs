using ModelRegistry.Platform;
using ModelRegistry.Platform.Rules;

namespace ModelRegistry.Promotion.Rules;

/// <summary>The gates of a stage against the latest evaluations.</summary>
/// <param name="MissingSuites">Required suites with no evaluation yet: the promotion waits for them.</param>
/// <param name="Failed">Gates that the evaluations present do not pass.</param>
public sealed record GateResult(IReadOnlyList<string> MissingSuites, IReadOnlyList<GateFailure> Failed)
{
    public bool Passed => MissingSuites.Count == 0 && Failed.Count == 0;
}
