using MassTransit;

namespace ModelRegistry.Contracts.Deployments;

/// <summary>
/// Event: what serves breaks the deployment policy, or a deploy instruction went unacknowledged. Raised once per
/// violation (kind and subject), and written to the audit log. Kinds: <see cref="DeploymentReasons"/>.
/// </summary>
[EntityName("mreg.policy-violation-detected")]
public record PolicyViolationDetected
{
    /// <summary>Identifies the violation.</summary>
    public Guid ViolationId { get; init; }

    /// <summary>stage_not_allowed, retired_serving, unregistered_serving or deploy_not_acknowledged.</summary>
    public string Kind { get; init; } = "";

    /// <summary>The endpoint, when the violation is about one.</summary>
    public string? EndpointId { get; init; }

    /// <summary>The environment, when the violation is about an endpoint.</summary>
    public string? Environment { get; init; }

    /// <summary>The model, when registered.</summary>
    public string? ModelName { get; init; }

    /// <summary>The version, when registered.</summary>
    public int? Version { get; init; }

    /// <summary>The artifact's manifest digest.</summary>
    public string? ManifestDigest { get; init; }

    /// <summary>The deploy instruction (deploy_not_acknowledged), which is the promotion's or rollback's id.</summary>
    public Guid? InstructionId { get; init; }

    /// <summary>What is wrong, in a sentence.</summary>
    public string Message { get; init; } = "";

    /// <summary>When the registry noticed.</summary>
    public DateTimeOffset DetectedAt { get; init; }
}
