using MassTransit;

namespace ModelRegistry.Contracts.Deployments;

/// <summary>Event from a serving platform: a deployment stopped serving. Closes its interval at <see cref="UndeployedAt"/> (exclusive end).</summary>
[EntityName("mreg.model-undeployed")]
public record ModelUndeployed
{
    /// <summary>The deployment's id, as in its <see cref="ModelDeployed"/>.</summary>
    public string DeploymentId { get; init; } = "";

    /// <summary>The endpoint it served on.</summary>
    public string EndpointId { get; init; } = "";

    /// <summary>The endpoint's environment.</summary>
    public string Environment { get; init; } = "";

    /// <summary>When it stopped serving. An offset is required.</summary>
    public DateTimeOffset UndeployedAt { get; init; }

    /// <summary>Who or what undeployed it (information; at most 200 characters).</summary>
    public string? UndeployedBy { get; init; }

    /// <summary>Why, e.g. "replaced by v8" (optional; at most 1,000 characters).</summary>
    public string? Reason { get; init; }
}
