using MassTransit;
using ModelRegistry.Platform;

namespace ModelRegistry.Deployments;

public sealed class DeploymentEventsConsumerDefinition : ConsumerDefinition<DeploymentEventsConsumer>
{
    public const string Queue = "deployments";

    public DeploymentEventsConsumerDefinition()
    {
        EndpointName = Queue;
        // Writers of one endpoint queue on its row lock; different endpoints go in parallel.
        ConcurrentMessageLimit = 16;
    }

    protected override void ConfigureConsumer(IReceiveEndpointConfigurator endpointConfigurator,
        IConsumerConfigurator<DeploymentEventsConsumer> consumerConfigurator, IRegistrationContext context)
    {
        endpointConfigurator.UseInfrastructureRetry();
    }
}
