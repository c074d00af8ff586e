using MassTransit;

namespace ModelRegistry.Contracts.Deployments;

/// <summary>
/// Event: the registry recorded a deployment event (deployed, traffic shift, undeployed or failed) in its history.
/// Published once per distinct event, however often it was delivered.
/// </summary>
[EntityName("mreg.deployment-recorded")]
public record DeploymentRecorded
{
    /// <summary>The serving platform's deployment id.</summary>
    public string DeploymentId { get; init; } = "";

    /// <summary>The endpoint.</summary>
    public string EndpointId { get; init; } = "";

    /// <summary>The endpoint's environment.</summary>
    public string Environment { get; init; } = "";

    /// <summary>deployed, undeployed or failed.</summary>
    public string Kind { get; init; } = "";

    /// <summary>The registered model, when the artifact is registered.</summary>
    public string? ModelName { get; init; }

    /// <summary>The registered version, when the artifact is registered.</summary>
    public int? Version { get; init; }

    /// <summary>The registry's id of the version, when registered.</summary>
    public Guid? ModelVersionId { get; init; }

    /// <summary>The artifact's manifest digest, when known.</summary>
    public string? ManifestDigest { get; init; }

    /// <summary>The traffic share (deployed only).</summary>
    public double? TrafficPercent { get; init; }

    /// <summary>Whether the artifact is a registered version (false: a shadow model).</summary>
    public bool Registered { get; init; }

    /// <summary>The event's own time (deployed-at, undeployed-at or failed-at).</summary>
    public DateTimeOffset At { get; init; }

    /// <summary>When the registry recorded it.</summary>
    public DateTimeOffset RecordedAt { get; init; }
}
