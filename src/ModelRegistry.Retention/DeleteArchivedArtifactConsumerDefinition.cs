using MassTransit;
using ModelRegistry.Platform;

namespace ModelRegistry.Retention;

public sealed class DeleteArchivedArtifactConsumerDefinition : ConsumerDefinition<DeleteArchivedArtifactConsumer>
{
    public const string Queue = "retention-delete";

    public DeleteArchivedArtifactConsumerDefinition()
    {
        EndpointName = Queue;
        ConcurrentMessageLimit = 4;
    }

    protected override void ConfigureConsumer(IReceiveEndpointConfigurator endpointConfigurator,
        IConsumerConfigurator<DeleteArchivedArtifactConsumer> consumerConfigurator, IRegistrationContext context)
    {
        endpointConfigurator.UseInfrastructureRetry();
    }
}
