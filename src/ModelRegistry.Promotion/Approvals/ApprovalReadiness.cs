using ModelRegistry.Promotion.Rules;

namespace ModelRegistry.Promotion.Approvals;

/// <summary>
/// Whether the configured ticketing integrations and approvers can ever complete the approvals the policy asks for: one
/// line per problem, naming the stages (tier/stage) it affects and the settings to set. Promotions that hit such a
/// problem wait until their approval deadline and expire; nothing else would tell the operator why.
/// </summary>
public static class ApprovalReadiness
{
    private const string Docs = "docs/ticketing.md#configuration";

    /// <summary>The problems, worst first: no integration, roles nobody holds, stages too few people can complete.</summary>
    public static IReadOnlyList<string> Warnings(PromotionPolicy policy, IReadOnlyCollection<string> integrations, ApproverDirectory approvers)
    {
        ArgumentNullException.ThrowIfNull(policy);
        ArgumentNullException.ThrowIfNull(integrations);
        ArgumentNullException.ThrowIfNull(approvers);
        var stages = (from tier in policy.Tiers.OrderBy(t => t.Key)
                from stage in tier.Value.Stages.OrderBy(s => s.Key)
                where stage.Value.Approvals is not null
                select (Name: $"{RiskTierNames.Format(tier.Key)}/{StageNames.Format(stage.Key)}", Approvals: stage.Value.Approvals!))
            .ToList();
        var warnings = new List<string>();
        if (stages.Count == 0) return warnings;

        if (integrations.Count == 0)
            warnings.Add($"Ticketing: no ticketing integration is configured, so every approval decision is refused and promotions to " +
                $"{Names(stages)} will expire; set Ticketing__Integrations__<name>__Secret ({Docs})");

        var holders = stages.SelectMany(s => s.Approvals.Roles).Distinct(StringComparer.Ordinal)
            .ToDictionary(r => r, r => approvers.People.Where(p => approvers.Holds(p, r)).Order(StringComparer.OrdinalIgnoreCase).ToList(),
                StringComparer.Ordinal);
        foreach (var (role, people) in holders.Where(h => h.Value.Count == 0))
            warnings.Add($"Approvers: no configured approver holds role '{role}', which promotions to " +
                $"{Names(stages.Where(s => s.Approvals.Roles.Contains(role, StringComparer.Ordinal)))} need, so they will expire; " +
                $"set Approvers__<person>__Roles__0={role} ({Docs})");

        // Stages whose roles are each held by someone, but not by enough different people; grouped when they ask the same.
        var shortStaffed = stages.Where(s => s.Approvals.Roles.All(r => holders[r].Count > 0) && !CanComplete(s.Approvals, holders))
            .GroupBy(s => (Roles: string.Join(", ", s.Approvals.Roles), s.Approvals.DistinctApprovers));
        foreach (var group in shortStaffed)
        {
            var approvals = group.First().Approvals;
            var eligible = approvals.Roles.SelectMany(r => holders[r]).Distinct(StringComparer.OrdinalIgnoreCase)
                .Order(StringComparer.OrdinalIgnoreCase).ToList();
            var problem = eligible.Count < approvals.DistinctApprovers
                ? $"needs {approvals.DistinctApprovers} different approvers holding {group.Key.Roles}, but only {eligible.Count} configured " +
                  $"{(eligible.Count == 1 ? "person holds" : "people hold")} them ({string.Join(", ", eligible)})"
                : $"needs each of the roles {group.Key.Roles} approved by a different person, but the configured approvers cannot cover " +
                  $"them all at once ({string.Join("; ", approvals.Roles.Select(r => $"{r}: {string.Join(", ", holders[r])}"))})";
            warnings.Add($"Approvers: approval at {Names(group)} {problem}, so those promotions will expire; give more people these roles " +
                $"with Approvers__<person>__Roles__0=<role> ({Docs})");
        }
        return warnings;
    }

    private static string Names(IEnumerable<(string Name, ApprovalPolicy Approvals)> stages) => string.Join(", ", stages.Select(s => s.Name));

    /// <summary>
    /// Whether some set of configured people completes the approvals: every role approved by its own person (a matching of
    /// roles to distinct holders) and enough different people in all (anyone holding a required role may be one of them).
    /// </summary>
    private static bool CanComplete(ApprovalPolicy approvals, Dictionary<string, List<string>> holders)
    {
        var eligible = approvals.Roles.SelectMany(r => holders[r]).Distinct(StringComparer.OrdinalIgnoreCase).Count();
        if (eligible < approvals.DistinctApprovers) return false;
        var assigned = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase); // person -> role
        return approvals.Roles.All(role => Assign(role, holders, assigned, new HashSet<string>(StringComparer.OrdinalIgnoreCase)));
    }

    // Kuhn's augmenting path: give the role a holder, moving an earlier role to another of its holders if need be.
    private static bool Assign(string role, Dictionary<string, List<string>> holders, Dictionary<string, string> assigned, HashSet<string> tried)
    {
        foreach (var person in holders[role])
        {
            if (!tried.Add(person)) continue;
            if (!assigned.TryGetValue(person, out var other) || Assign(other, holders, assigned, tried))
            {
                assigned[person] = role;
                return true;
            }
        }
        return false;
    }
}
