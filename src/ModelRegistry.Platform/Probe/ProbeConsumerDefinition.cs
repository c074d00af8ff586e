using MassTransit;

namespace ModelRegistry.Platform;

public sealed class ProbeConsumerDefinition : ConsumerDefinition<ProbeConsumer>
{
    public const string Queue = "probe";

    public ProbeConsumerDefinition()
    {
        EndpointName = Queue;
        ConcurrentMessageLimit = 32;
    }

    protected override void ConfigureConsumer(IReceiveEndpointConfigurator endpointConfigurator,
        IConsumerConfigurator<ProbeConsumer> consumerConfigurator, IRegistrationContext context)
    {
        // Transient database errors are retried inside the store; this covers the rest once more
        // before the message goes to probe_error. Invalid messages go there at once.
        endpointConfigurator.UseMessageRetry(r =>
        {
            r.Ignore<InvalidMessageException>();
            r.Intervals(200, 1000);
        });
    }
}
