using MassTransit;

namespace ModelRegistry.Contracts.Deployments;

/// <summary>
/// Event from a serving platform: an endpoint started serving a model (or shifted the traffic of a deployment it already
/// serves). Names the model by name and version, by manifest digest, or both. The registry keeps it as an interval of
/// its deployment history from <see cref="DeployedAt"/> (event time, not arrival time): the same event delivered twice, or
/// events arriving out of order, give the history they would in order once. Wire format: docs/deployments.md.
/// </summary>
[EntityName("mreg.model-deployed")]
public record ModelDeployed
{
    /// <summary>
    /// The serving platform's id of this deployment (1-200 characters), stable across its traffic shifts; a later
    /// <see cref="ModelDeployed"/> with the same id and another traffic share is a traffic shift.
    /// </summary>
    public string DeploymentId { get; init; } = "";

    /// <summary>The endpoint serving it (name charset, 1-200 characters), e.g. "fraud-scoring.prod-eu".</summary>
    public string EndpointId { get; init; } = "";

    /// <summary>The endpoint's environment (name charset): dev, staging, production, or another the deployment policy names.</summary>
    public string Environment { get; init; } = "";

    /// <summary>The registered model's name (with <see cref="Version"/>); optional when <see cref="ManifestDigest"/> is given.</summary>
    public string? ModelName { get; init; }

    /// <summary>The version number (with <see cref="ModelName"/>).</summary>
    public int? Version { get; init; }

    /// <summary>The manifest digest of the artifact served ("sha256:" and 64 hex digits); optional with name and version.</summary>
    public string? ManifestDigest { get; init; }

    /// <summary>The share of the endpoint's traffic this deployment takes: more than 0, at most 100.</summary>
    public double TrafficPercent { get; init; }

    /// <summary>When it started serving (or the traffic shifted): the interval's inclusive start. An offset is required.</summary>
    public DateTimeOffset DeployedAt { get; init; }

    /// <summary>Who or what deployed it, as the platform knows it (information; at most 200 characters).</summary>
    public string? DeployedBy { get; init; }

    /// <summary>
    /// The <see cref="Promotion.DeployModelVersion.DeploymentId"/> this deployment carries out, when it does: it
    /// acknowledges the instruction (docs/deployments.md, "Acknowledgement").
    /// </summary>
    public Guid? InstructionId { get; init; }
}
