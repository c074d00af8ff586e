using MassTransit;
using Microsoft.Extensions.Logging;
using ModelRegistry.Contracts.Deployments;
using ModelRegistry.Deployments.Rules;
using ModelRegistry.Platform.Identity;
using ModelRegistry.Platform.Rules;

namespace ModelRegistry.Deployments;

/// <summary>
/// Records what serving platforms report (<see cref="ModelDeployed"/>, <see cref="ModelUndeployed"/>,
/// <see cref="DeploymentFailed"/>) in the interval history, or refuses and keeps what it cannot record. The sender is the
/// broker's validated user: it must be a serving principal of the event's environment (docs/deployments.md, "Serving principals").
/// </summary>
public sealed class DeploymentEventsConsumer(DeploymentStore store, InventoryCache heartbeats, AccessPolicy access, IMessagePrincipal principals,
    TimeProvider clock, ILogger<DeploymentEventsConsumer> logger)
    : IConsumer<ModelDeployed>, IConsumer<ModelUndeployed>, IConsumer<DeploymentFailed>
{
    public Task Consume(ConsumeContext<ModelDeployed> context) =>
        RecordAsync(context, DeploymentRules.Validate(context.Message), () => DeploymentInput.From(context.Message),
            context.Message.EndpointId, context.Message.DeploymentId, context.Message.Environment);

    public Task Consume(ConsumeContext<ModelUndeployed> context) =>
        RecordAsync(context, DeploymentRules.Validate(context.Message), () => DeploymentInput.From(context.Message),
            context.Message.EndpointId, context.Message.DeploymentId, context.Message.Environment);

    public Task Consume(ConsumeContext<DeploymentFailed> context) =>
        RecordAsync(context, DeploymentRules.Validate(context.Message), () => DeploymentInput.From(context.Message),
            context.Message.EndpointId, context.Message.DeploymentId, context.Message.Environment);

    private async Task RecordAsync<T>(ConsumeContext<T> context, Rejection? invalid, Func<DeploymentInput> input, string? endpointId,
        string? deploymentId, string environment) where T : class
    {
        var now = clock.GetUtcNow();
        var principal = principals.SenderOf(context);
        var refusal = AccessRules.Unauthenticated(principal) ?? invalid ?? DeploymentRules.Sender(principal, environment, access);
        if (refusal is not null)
        {
            await store.RejectAsync(typeof(T).Name, endpointId, deploymentId, refusal, principal, context.Message, context.MessageId, now,
                context.CancellationToken);
            logger.LogWarning("Refused {Type} of {Endpoint} from {Principal}: {Reason} {Message}", typeof(T).Name, endpointId, principal ?? "(none)",
                refusal.ReasonCode, refusal.Message);
            return;
        }
        var result = await store.RecordAsync(input() with { ReportedBy = principal }, context.MessageId, now, context.CancellationToken);
        // The endpoint's next heartbeat is compared with the history this event changed, not skipped as unchanged.
        if (endpointId is not null) heartbeats.Forget(endpointId);
        if (result.Outcome == DeploymentOutcome.Rejected)
            logger.LogWarning("Refused {Type} of {Endpoint} from {Principal}: digest mismatch or another environment than recorded", typeof(T).Name,
                endpointId, principal);
    }
}
