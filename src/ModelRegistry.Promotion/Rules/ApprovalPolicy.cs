using ModelRegistry.Platform;
using ModelRegistry.Platform.Rules;

namespace ModelRegistry.Promotion.Rules;

/// <summary>Who must sign. Each role needs its own person; <paramref name="DistinctApprovers"/> is the total number of people (at least <c>Roles.Count</c>).</summary>
public sealed record ApprovalPolicy(IReadOnlyList<string> Roles, int DistinctApprovers, TimeSpan Timeout);
