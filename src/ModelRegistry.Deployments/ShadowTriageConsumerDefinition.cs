using MassTransit;
using ModelRegistry.Platform;

namespace ModelRegistry.Deployments;

public sealed class ShadowTriageConsumerDefinition : ConsumerDefinition<ShadowTriageConsumer>
{
    public const string Queue = "shadow-triage";

    public ShadowTriageConsumerDefinition()
    {
        EndpointName = Queue;
        ConcurrentMessageLimit = 4;
    }

    protected override void ConfigureConsumer(IReceiveEndpointConfigurator endpointConfigurator,
        IConsumerConfigurator<ShadowTriageConsumer> consumerConfigurator, IRegistrationContext context)
    {
        endpointConfigurator.UseInfrastructureRetry();
    }
}
