using ModelRegistry.Promotion.Rules;

namespace ModelRegistry.Domain.Tests.Promotion;

/// <summary>Stage policies built in code, for the rules that take a parsed policy.</summary>
internal static class Policies
{
    public static StagePolicy Production(StageGates? gates = null, ApprovalPolicy? approvals = null) =>
        new(Stage.Production, [Stage.Canary], gates ?? StageGates.None, approvals, TimeSpan.FromHours(24));

    public static ApprovalPolicy Approvals(int distinctApprovers, params string[] roles) =>
        new(roles, distinctApprovers, TimeSpan.FromDays(3));

    public static TierPolicy Tier(params StagePolicy[] stages) =>
        new(RiskTier.High, stages.ToDictionary(s => s.Target));

    public static StagePolicy Rule(Stage target, params Stage[] from) => new(target, from, StageGates.None, null, null);
}
