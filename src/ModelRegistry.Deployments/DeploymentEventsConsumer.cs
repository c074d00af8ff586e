using MassTransit;
using Microsoft.Extensions.Logging;
using ModelRegistry.Contracts.Deployments;
using ModelRegistry.Deployments.Rules;
using ModelRegistry.Platform.Rules;

namespace ModelRegistry.Deployments;

/// <summary>
/// Records what serving platforms report (<see cref="ModelDeployed"/>, <see cref="ModelUndeployed"/>,
/// <see cref="DeploymentFailed"/>) in the interval history, or refuses and keeps what it cannot record.
/// </summary>
public sealed class DeploymentEventsConsumer(DeploymentStore store, InventoryCache heartbeats, TimeProvider clock,
    ILogger<DeploymentEventsConsumer> logger)
    : IConsumer<ModelDeployed>, IConsumer<ModelUndeployed>, IConsumer<DeploymentFailed>
{
    public Task Consume(ConsumeContext<ModelDeployed> context) =>
        RecordAsync(context, DeploymentRules.Validate(context.Message), () => DeploymentInput.From(context.Message),
            context.Message.EndpointId, context.Message.DeploymentId);

    public Task Consume(ConsumeContext<ModelUndeployed> context) =>
        RecordAsync(context, DeploymentRules.Validate(context.Message), () => DeploymentInput.From(context.Message),
            context.Message.EndpointId, context.Message.DeploymentId);

    public Task Consume(ConsumeContext<DeploymentFailed> context) =>
        RecordAsync(context, DeploymentRules.Validate(context.Message), () => DeploymentInput.From(context.Message),
            context.Message.EndpointId, context.Message.DeploymentId);

    private async Task RecordAsync<T>(ConsumeContext<T> context, Rejection? invalid, Func<DeploymentInput> input, string? endpointId,
        string? deploymentId) where T : class
    {
        var now = clock.GetUtcNow();
        if (invalid is not null)
        {
            await store.RejectAsync(typeof(T).Name, endpointId, deploymentId, invalid, context.Message, context.MessageId, now, context.CancellationToken);
            logger.LogWarning("Refused {Type} of {Endpoint}: {Reason} {Message}", typeof(T).Name, endpointId, invalid.ReasonCode, invalid.Message);
            return;
        }
        var result = await store.RecordAsync(input(), context.MessageId, now, context.CancellationToken);
        // The endpoint's next heartbeat is compared with the history this event changed, not skipped as unchanged.
        if (endpointId is not null) heartbeats.Forget(endpointId);
        if (result.Outcome == DeploymentOutcome.Rejected)
            logger.LogWarning("Refused {Type} of {Endpoint}: digest mismatch", typeof(T).Name, endpointId);
    }
}
