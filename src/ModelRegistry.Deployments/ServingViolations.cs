using ModelRegistry.Contracts.Deployments;
using ModelRegistry.Deployments.Rules;
using ModelRegistry.Platform;

namespace ModelRegistry.Deployments;

/// <summary>
/// Checks what serves on an endpoint now against the environment policy and raises a violation for each breach
/// (docs/deployments.md, "Environment policy and violations"), once per kind, endpoint, artifact and stage, inside the
/// caller's unit of work.
/// </summary>
public static class ServingViolations
{
    /// <summary>Raises the violations of the <paramref name="open"/> intervals of an endpoint; returns how many were new.</summary>
    public static async Task<int> RaiseAsync(UnitOfWork work, EnvironmentPolicy policy, string endpointId, string environment,
        IReadOnlyList<ResolvedInterval> open, DateTimeOffset now, CancellationToken token)
    {
        ArgumentNullException.ThrowIfNull(work);
        ArgumentNullException.ThrowIfNull(policy);
        ArgumentNullException.ThrowIfNull(open);
        if (open.Count == 0) return 0;
        var stages = await ServingStageQueries.StageOfAsync(work.Connection, work.Transaction,
            open.Select(o => o.Version?.VersionId).OfType<Guid>().Distinct().ToList(), token);
        var raised = 0;
        // One artifact served by several deployments of the endpoint takes their shares together.
        foreach (var served in open.GroupBy(o => o.Version?.Digest ?? o.Interval.Digest ?? $"{o.Interval.ModelName}:{o.Interval.Version}"))
        {
            var first = served.First();
            var version = first.Version;
            var facts = new ServingFacts(environment, served.Sum(o => o.Interval.Traffic),
                version?.ModelName ?? first.Interval.ModelName, version?.Version ?? first.Interval.Version, version?.Digest ?? first.Interval.Digest,
                version is null ? null : stages.GetValueOrDefault(version.VersionId, ServingStages.Registered));
            foreach (var reason in DeploymentPolicyRules.Check(facts, policy))
            {
                if (KindOf(reason.Code) is not { } kind) continue;
                var candidate = new ViolationCandidate(kind, $"{kind}|{endpointId}|{served.Key}|{facts.Stage ?? "unregistered"}",
                    $"{endpointId}: {reason.Message}", endpointId, environment, version?.ModelName, version?.Version, facts.Digest);
                if (await PolicyViolations.RaiseAsync(work, candidate, now, token)) raised++;
            }
        }
        return raised;
    }

    /// <summary>The violation a denial reason amounts to when the artifact already serves.</summary>
    private static string? KindOf(string reason) => reason switch
    {
        DeploymentReasons.StageNotAllowed => DeploymentReasons.StageNotAllowed,
        DeploymentReasons.Retired => DeploymentReasons.RetiredServing,
        DeploymentReasons.Unregistered => DeploymentReasons.UnregisteredServing,
        _ => null,
    };
}
