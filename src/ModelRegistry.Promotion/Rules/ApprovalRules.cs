using ModelRegistry.Platform.Rules;
using ModelRegistry.Platform;

namespace ModelRegistry.Promotion.Rules;

/// <summary>
/// Separation of duties for promotions. People are compared ignoring case ("Alice" and "alice" are one person);
/// roles exactly. Each required role needs its own person: one person holding two roles covers only one of them.
/// </summary>
public static class ApprovalRules
{
    private static readonly StringComparer People = StringComparer.OrdinalIgnoreCase;

    /// <summary>Whether the votes so far approve, reject or leave the promotion waiting.</summary>
    public static ApprovalDecision Decide(StagePolicy policy, string requester, IReadOnlyList<ApprovalVote> votes)
    {
        ArgumentNullException.ThrowIfNull(policy);
        return policy.Approvals is { } approvals ? Decide(approvals, requester, votes) : new(ApprovalOutcome.Approved, [], 0, null);
    }

    /// <inheritdoc cref="Decide(StagePolicy, string, IReadOnlyList{ApprovalVote})"/>
    public static ApprovalDecision Decide(ApprovalPolicy approvals, string requester, IReadOnlyList<ApprovalVote> votes)
    {
        ArgumentNullException.ThrowIfNull(approvals);
        ArgumentNullException.ThrowIfNull(requester);
        ArgumentNullException.ThrowIfNull(votes);

        // Only a person's first vote counts, and never the requester's or one in a role that is not required.
        var counted = new List<ApprovalVote>();
        foreach (var vote in votes)
        {
            if (People.Equals(vote.Approver, requester)) continue;
            if (!approvals.Roles.Contains(vote.Role, StringComparer.Ordinal)) continue;
            if (counted.Any(c => People.Equals(c.Approver, vote.Approver))) continue;
            counted.Add(vote);
        }
        if (counted.FirstOrDefault(v => !v.Approved) is { } rejection)
            return new(ApprovalOutcome.Rejected, [], 0, rejection);

        var approvers = counted.Select(v => v.Approver).Distinct(People).Count();
        var missingRoles = approvals.Roles.Where(r => !counted.Any(v => v.Role == r)).ToList();
        // Each role already has its own person (one vote per person), so covering roles and counting people is enough.
        var missingApprovers = Math.Max(0, approvals.DistinctApprovers - approvers);
        return missingRoles.Count == 0 && missingApprovers == 0
            ? new(ApprovalOutcome.Approved, [], 0, null)
            : new(ApprovalOutcome.Waiting, missingRoles, Math.Max(missingApprovers, missingRoles.Count), null);
    }

    /// <summary>Why an incoming vote must be refused (and audited), or null when it may be recorded.</summary>
    public static Rejection? Refusal(StagePolicy policy, string requester, IReadOnlyList<ApprovalVote> earlier, ApprovalVote incoming)
    {
        ArgumentNullException.ThrowIfNull(policy);
        ArgumentNullException.ThrowIfNull(requester);
        ArgumentNullException.ThrowIfNull(earlier);
        ArgumentNullException.ThrowIfNull(incoming);
        if (policy.Approvals is not { } approvals)
            return new(PromotionRefusals.NoApprovalRequired, $"promotion to '{StageNames.Format(policy.Target)}' needs no approval");
        if (People.Equals(incoming.Approver, requester))
            return new(PromotionRefusals.SelfApproval, $"{incoming.Approver} requested this promotion and cannot decide on it");
        if (earlier.Any(v => People.Equals(v.Approver, incoming.Approver)))
            return new(PromotionRefusals.DuplicateVote, $"{incoming.Approver} has already voted on this promotion");
        if (!approvals.Roles.Contains(incoming.Role, StringComparer.Ordinal))
            return new(PromotionRefusals.RoleNotRequired,
                $"role '{incoming.Role}' is not required; required: {string.Join(", ", approvals.Roles)}");
        return null;
    }
}
