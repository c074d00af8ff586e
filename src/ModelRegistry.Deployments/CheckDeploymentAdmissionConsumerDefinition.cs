using MassTransit;

namespace ModelRegistry.Deployments;

public sealed class CheckDeploymentAdmissionConsumerDefinition : ConsumerDefinition<CheckDeploymentAdmissionConsumer>
{
    public const string Queue = "deployment-admission";

    public CheckDeploymentAdmissionConsumerDefinition()
    {
        EndpointName = Queue;
        // Read-only and on the deploy path: many at once.
        ConcurrentMessageLimit = 32;
    }

    protected override void ConfigureConsumer(IReceiveEndpointConfigurator endpointConfigurator,
        IConsumerConfigurator<CheckDeploymentAdmissionConsumer> consumerConfigurator, IRegistrationContext context)
    {
        // The query retries transient database errors itself (Polly). A request that still fails is answered with a
        // fault (MassTransit clients) and logged; keeping it for replay would answer nobody: its requester has moved on.
        endpointConfigurator.DiscardFaultedMessages();
    }
}
