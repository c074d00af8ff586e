using MassTransit;
using Microsoft.Extensions.Logging;
using ModelRegistry.Contracts;
using ModelRegistry.Platform.Identity;

namespace ModelRegistry.Platform.Checkpoints;

/// <summary>
/// Makes the scheduled checkpoint (<see cref="AuditCheckpointJob"/>). Only the registry's own principal fires it: one from
/// anyone else is logged and dropped (the broker already keeps clients off its exchange). A duplicate firing makes one more
/// checkpoint of the same head, which is harmless, so there is no inbox.
/// </summary>
public sealed class AuditCheckpointDueConsumer(AuditCheckpointer checkpointer, AccessPolicy access, IMessagePrincipal principals,
    ILogger<AuditCheckpointDueConsumer> logger) : IConsumer<AuditCheckpointDue>
{
    public async Task Consume(ConsumeContext<AuditCheckpointDue> context)
    {
        var principal = principals.SenderOf(context);
        if (!access.IsRegistry(principal))
        {
            logger.LogWarning("Refused AuditCheckpointDue from {Principal}: only the registry fires the checkpoint", principal ?? "(none)");
            return;
        }
        await checkpointer.CheckpointAsync(context.CancellationToken);
    }
}

public sealed class AuditCheckpointDueConsumerDefinition : ConsumerDefinition<AuditCheckpointDueConsumer>
{
    public const string Queue = "audit-checkpoint";

    public AuditCheckpointDueConsumerDefinition()
    {
        EndpointName = Queue;
        ConcurrentMessageLimit = 1;
    }

    protected override void ConfigureConsumer(IReceiveEndpointConfigurator endpointConfigurator,
        IConsumerConfigurator<AuditCheckpointDueConsumer> consumerConfigurator, IRegistrationContext context) =>
        endpointConfigurator.UseInfrastructureRetry();
}
