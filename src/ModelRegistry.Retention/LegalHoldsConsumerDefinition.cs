using MassTransit;
using ModelRegistry.Platform;

namespace ModelRegistry.Retention;

public sealed class LegalHoldsConsumerDefinition : ConsumerDefinition<LegalHoldsConsumer>
{
    public const string Queue = "retention-holds";

    public LegalHoldsConsumerDefinition()
    {
        EndpointName = Queue;
        ConcurrentMessageLimit = 4;
    }

    protected override void ConfigureConsumer(IReceiveEndpointConfigurator endpointConfigurator,
        IConsumerConfigurator<LegalHoldsConsumer> consumerConfigurator, IRegistrationContext context) =>
        endpointConfigurator.UseInfrastructureRetry();
}
