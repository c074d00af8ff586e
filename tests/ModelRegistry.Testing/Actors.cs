using ModelRegistry.Contracts;
using ModelRegistry.Contracts.Deployments;
using ModelRegistry.Contracts.Promotion;
using ModelRegistry.Contracts.Retention;

namespace ModelRegistry.Testing;

/// <summary>Which development broker user sends each message in production (docs/security.md): the principal a test publishes it as.</summary>
public static class Actors
{
    /// <summary>The client user of <paramref name="messageType"/>, or null for the registry's own messages (its workers' user).</summary>
    public static string? For(Type messageType) => messageType.Name switch
    {
        nameof(ModelTrained) => BrokerUsers.Pipeline,
        nameof(EvaluationCompleted) => BrokerUsers.Evaluator,
        nameof(ApprovalDecided) => BrokerUsers.Ticketing,
        nameof(ModelDeployed) or nameof(ModelUndeployed) or nameof(DeploymentFailed) or nameof(EndpointInventoryReported)
            or nameof(CheckDeploymentAdmission) => BrokerUsers.Serving,
        nameof(RequestPromotion) or nameof(CancelPromotion) or nameof(ResendApprovalRequest) or nameof(RequestRollback)
            or nameof(AdoptShadowModel) or nameof(DismissShadowModel) or nameof(RunProbe) or "ChangeModelGovernance"
            or nameof(AuditCheckpoint) or nameof(RunRetentionSweep) or nameof(PlaceLegalHold) or nameof(ReleaseLegalHold) => BrokerUsers.Operator,
        _ => null,
    };
}
