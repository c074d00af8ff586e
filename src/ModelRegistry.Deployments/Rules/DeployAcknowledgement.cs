namespace ModelRegistry.Deployments.Rules;

/// <summary>A deploy instruction (DeployModelVersion) as the acknowledgement rule sees it.</summary>
public sealed record InstructionFact(Guid InstructionId, string Digest, DateTimeOffset IssuedAt);

/// <summary>A recorded ModelDeployed as the acknowledgement rule sees it.</summary>
public sealed record DeployedFact(string DeploymentId, string EndpointId, string Environment, string? Digest, DateTimeOffset At,
    Guid? InstructionId);

/// <summary>
/// Which ModelDeployed carries out which deploy instruction (docs/deployments.md, "Acknowledgement"). Pure: the store
/// asks it from both sides (a deployment recorded, an instruction recorded), so the outcome does not depend on which
/// arrives first.
/// </summary>
public static class DeployAcknowledgement
{
    /// <summary>The environment a deploy instruction is for: it says "serve this in production".</summary>
    public const string ProductionEnvironment = "production";

    /// <summary>
    /// True when <paramref name="deployed"/> carries out <paramref name="instruction"/>: it deploys the instruction's
    /// manifest digest, and either names the instruction (InstructionId) or, failing that, deploys in production at or
    /// after the instruction was issued. A deployment of another artifact never acknowledges, whatever it names.
    /// </summary>
    public static bool Acknowledges(InstructionFact instruction, DeployedFact deployed)
    {
        ArgumentNullException.ThrowIfNull(instruction);
        ArgumentNullException.ThrowIfNull(deployed);
        if (!string.Equals(deployed.Digest, instruction.Digest, StringComparison.Ordinal)) return false;
        if (deployed.InstructionId == instruction.InstructionId) return true;
        return string.Equals(deployed.Environment, ProductionEnvironment, StringComparison.Ordinal) && deployed.At >= instruction.IssuedAt;
    }

    /// <summary>
    /// The deployment that acknowledges <paramref name="instruction"/>: the earliest by event time among those that
    /// do (ties by endpoint and deployment id), so the answer is the same whatever order they arrived in; null when none does.
    /// </summary>
    public static DeployedFact? First(InstructionFact instruction, IEnumerable<DeployedFact> deployments) =>
        deployments.Where(d => Acknowledges(instruction, d))
            .OrderBy(d => d.At).ThenBy(d => d.EndpointId, StringComparer.Ordinal).ThenBy(d => d.DeploymentId, StringComparer.Ordinal)
            .FirstOrDefault();

    /// <summary>
    /// Whether <paramref name="deployed"/> should become the acknowledgement of an instruction already acknowledged at
    /// <paramref name="acknowledgedAt"/> (null: not yet): only when it acknowledges it and happened earlier.
    /// </summary>
    public static bool Replaces(InstructionFact instruction, DateTimeOffset? acknowledgedAt, DeployedFact deployed) =>
        Acknowledges(instruction, deployed) && (acknowledgedAt is not { } at || deployed.At < at);
}
