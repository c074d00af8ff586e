using MassTransit;

namespace ModelRegistry.Contracts.Deployments;

/// <summary>
/// Event from a serving platform: a deployment could not start (or crashed and stopped serving). Recorded in the
/// history; closes the deployment's interval if one is open. A failed attempt to carry out a
/// <see cref="Promotion.DeployModelVersion"/> does not acknowledge it.
/// </summary>
[EntityName("mreg.deployment-failed")]
public record DeploymentFailed
{
    /// <summary>The deployment's id.</summary>
    public string DeploymentId { get; init; } = "";

    /// <summary>The endpoint.</summary>
    public string EndpointId { get; init; } = "";

    /// <summary>The endpoint's environment.</summary>
    public string Environment { get; init; } = "";

    /// <summary>The model's name (with <see cref="Version"/>), if known.</summary>
    public string? ModelName { get; init; }

    /// <summary>The version number.</summary>
    public int? Version { get; init; }

    /// <summary>The manifest digest of the artifact it tried to serve, if known.</summary>
    public string? ManifestDigest { get; init; }

    /// <summary>When it failed. An offset is required.</summary>
    public DateTimeOffset FailedAt { get; init; }

    /// <summary>What went wrong (1-1,000 characters).</summary>
    public string Reason { get; init; } = "";

    /// <summary>The deploy instruction it was carrying out, if any.</summary>
    public Guid? InstructionId { get; init; }
}
