using ModelRegistry.Platform;
using ModelRegistry.Platform.Rules;

namespace ModelRegistry.Promotion.Rules;

/// <summary>The rules for promoting a version of one risk tier to <paramref name="Target"/>.</summary>
/// <param name="Target">The stage this rule promotes to.</param>
/// <param name="From">The stages a version may be promoted from; listing an earlier stage than the one just below allows a skip.</param>
/// <param name="Gates">What the evaluations must show.</param>
/// <param name="Approvals">Null when no one needs to sign.</param>
/// <param name="EvaluationTimeout">How long the promotion waits for missing evaluations; null means it waits as long as the approval does.</param>
public sealed record StagePolicy(
    Stage Target,
    IReadOnlyList<Stage> From,
    StageGates Gates,
    ApprovalPolicy? Approvals,
    TimeSpan? EvaluationTimeout);
