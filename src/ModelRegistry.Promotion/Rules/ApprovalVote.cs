using ModelRegistry.Platform;
using ModelRegistry.Platform.Rules;

namespace ModelRegistry.Promotion.Rules;

/// <summary>One person's decision on a promotion, in the role they signed as.</summary>
public sealed record ApprovalVote(string Approver, string Role, bool Approved);
