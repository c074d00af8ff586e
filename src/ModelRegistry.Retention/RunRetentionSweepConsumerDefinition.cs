using MassTransit;
using ModelRegistry.Platform;

namespace ModelRegistry.Retention;

public sealed class RunRetentionSweepConsumerDefinition : ConsumerDefinition<RunRetentionSweepConsumer>
{
    public const string Queue = "retention-sweep";

    public RunRetentionSweepConsumerDefinition()
    {
        EndpointName = Queue;
        // One plan at a time per host: a plan reads the whole registry.
        ConcurrentMessageLimit = 1;
    }

    protected override void ConfigureConsumer(IReceiveEndpointConfigurator endpointConfigurator,
        IConsumerConfigurator<RunRetentionSweepConsumer> consumerConfigurator, IRegistrationContext context) =>
        endpointConfigurator.UseInfrastructureRetry();
}
