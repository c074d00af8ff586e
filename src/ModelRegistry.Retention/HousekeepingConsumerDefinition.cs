using MassTransit;
using ModelRegistry.Platform;

namespace ModelRegistry.Retention;

public sealed class HousekeepingConsumerDefinition : ConsumerDefinition<HousekeepingConsumer>
{
    public const string Queue = "retention-housekeeping";

    public HousekeepingConsumerDefinition()
    {
        EndpointName = Queue;
        // One sweep's pruning at a time per host: batches of different sweeps would only contend for the same rows.
        ConcurrentMessageLimit = 1;
    }

    protected override void ConfigureConsumer(IReceiveEndpointConfigurator endpointConfigurator,
        IConsumerConfigurator<HousekeepingConsumer> consumerConfigurator, IRegistrationContext context) =>
        endpointConfigurator.UseInfrastructureRetry();
}
