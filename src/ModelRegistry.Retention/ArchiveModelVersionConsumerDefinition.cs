using MassTransit;
using ModelRegistry.Platform;

namespace ModelRegistry.Retention;

public sealed class ArchiveModelVersionConsumerDefinition : ConsumerDefinition<ArchiveModelVersionConsumer>
{
    public const string Queue = "retention-archive";

    public ArchiveModelVersionConsumerDefinition()
    {
        EndpointName = Queue;
        ConcurrentMessageLimit = 4;
    }

    protected override void ConfigureConsumer(IReceiveEndpointConfigurator endpointConfigurator,
        IConsumerConfigurator<ArchiveModelVersionConsumer> consumerConfigurator, IRegistrationContext context)
    {
        endpointConfigurator.UseInfrastructureRetry();
    }
}
