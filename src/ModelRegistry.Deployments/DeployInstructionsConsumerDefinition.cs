using MassTransit;
using ModelRegistry.Platform;

namespace ModelRegistry.Deployments;

public sealed class DeployInstructionsConsumerDefinition : ConsumerDefinition<DeployInstructionsConsumer>
{
    public const string Queue = "deploy-instructions";

    public DeployInstructionsConsumerDefinition() => EndpointName = Queue;

    protected override void ConfigureConsumer(IReceiveEndpointConfigurator endpointConfigurator,
        IConsumerConfigurator<DeployInstructionsConsumer> consumerConfigurator, IRegistrationContext context) =>
        endpointConfigurator.UseInfrastructureRetry();
}
