using ModelRegistry.Contracts.Deployments;

namespace ModelRegistry.Deployments.Rules;

/// <summary>
/// The pure decision of the environment policy: every reason an artifact may not serve on an endpoint of an environment.
/// The admission check denies when there is any; what already serves raises a violation for each (docs/deployments.md).
/// </summary>
public static class DeploymentPolicyRules
{
    /// <summary>Every reason that applies, in a stable order; empty: it may serve.</summary>
    public static IReadOnlyList<DenialReason> Check(ServingFacts facts, EnvironmentPolicy policy)
    {
        ArgumentNullException.ThrowIfNull(facts);
        ArgumentNullException.ThrowIfNull(policy);
        var rule = policy.For(facts.Environment);
        var reasons = new List<DenialReason>();
        if (!facts.Registered)
        {
            if (rule.RequireRegistered)
                reasons.Add(Reason(DeploymentReasons.Unregistered,
                    $"{facts.Subject} is not a registered version, and {Where(facts, rule)} serves registered versions only: register it first"));
            return reasons;
        }
        if (facts.DigestMismatch)
            reasons.Add(Reason(DeploymentReasons.DigestMismatch,
                $"{facts.Subject} has manifest digest {facts.Digest}, not {facts.AskedDigest}: the artifact is not that version"));
        if (facts.Stage == ServingStages.Retired)
            reasons.Add(Reason(DeploymentReasons.Retired, $"{facts.Subject} is retired: a retired version serves nowhere"));
        if (facts.RolledBack)
            reasons.Add(Reason(DeploymentReasons.RolledBack, $"{facts.Subject} was retired by a rollback (an incident): it may not be deployed again"));
        if (facts.Stage != ServingStages.Retired && StageProblem(facts, rule) is { } problem)
            reasons.Add(Reason(DeploymentReasons.StageNotAllowed, problem));
        if (facts.ArtifactDeleted)
            reasons.Add(Reason(DeploymentReasons.ArtifactDeleted, $"the artifact bytes of {facts.Subject} were deleted by retention: it cannot be served"));
        return reasons;
    }

    /// <summary>Why the version's stage may not serve here at this share, or null.</summary>
    private static string? StageProblem(ServingFacts facts, EnvironmentRule rule)
    {
        if (!rule.Stages.TryGetValue(facts.Stage!, out var max))
            return $"{facts.Subject} is in stage {facts.Stage}, which may not serve in {Where(facts, rule)} (allowed there: {rule.Describe()})";
        if (max is { } cap && facts.TrafficPercent > cap)
            return $"{facts.Subject} is in stage {facts.Stage}, which may take at most {EnvironmentRule.Percent(cap)} % of traffic in {Where(facts, rule)}, " +
                   $"not {EnvironmentRule.Percent(facts.TrafficPercent)} %";
        return null;
    }

    private static string Where(ServingFacts facts, EnvironmentRule rule) =>
        facts.Environment == rule.Name ? facts.Environment : $"{facts.Environment} (ruled as {rule.Name})";

    private static DenialReason Reason(string code, string message) => new() { Code = code, Message = message };
}
