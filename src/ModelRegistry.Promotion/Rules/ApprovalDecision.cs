using ModelRegistry.Platform;
using ModelRegistry.Platform.Rules;

namespace ModelRegistry.Promotion.Rules;

/// <summary>Where the approvals of a promotion stand.</summary>
/// <param name="Outcome">Approved, Rejected or still Waiting.</param>
/// <param name="MissingRoles">While waiting: the required roles no counted approver covers yet.</param>
/// <param name="MissingApprovers">While waiting: how many more distinct people must approve.</param>
/// <param name="RejectedBy">When rejected: the first rejecting vote that counts.</param>
public sealed record ApprovalDecision(
    ApprovalOutcome Outcome,
    IReadOnlyList<string> MissingRoles,
    int MissingApprovers,
    ApprovalVote? RejectedBy);
