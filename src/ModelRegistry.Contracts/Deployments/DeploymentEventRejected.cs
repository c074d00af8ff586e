using MassTransit;

namespace ModelRegistry.Contracts.Deployments;

/// <summary>
/// Event: a deployment event or heartbeat (ModelDeployed, ModelUndeployed, DeploymentFailed, EndpointInventoryReported)
/// was refused, with the reason; the body is kept in registry.rejections (<c>mreg rejections list</c>). Also a
/// DeployModelVersion or DiscoveryAuditDue that the registry's own principal did not send.
/// </summary>
[EntityName("mreg.deployment-event-rejected")]
public record DeploymentEventRejected
{
    /// <summary>The refused message's type, e.g. ModelDeployed.</summary>
    public string MessageType { get; init; } = "";

    /// <summary>The endpoint it named (as sent, clipped).</summary>
    public string? EndpointId { get; init; }

    /// <summary>The deployment it named (as sent, clipped).</summary>
    public string? DeploymentId { get; init; }

    /// <summary>A code of <see cref="RejectionReasons"/> or <see cref="DeploymentReasons"/>.</summary>
    public string ReasonCode { get; init; } = "";

    /// <summary>What is wrong, naming the field first.</summary>
    public string Message { get; init; } = "";

    /// <summary>When it was refused.</summary>
    public DateTimeOffset RejectedAt { get; init; }
}
