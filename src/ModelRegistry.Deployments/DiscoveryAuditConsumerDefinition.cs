using MassTransit;
using ModelRegistry.Platform;

namespace ModelRegistry.Deployments;

public sealed class DiscoveryAuditConsumerDefinition : ConsumerDefinition<DiscoveryAuditConsumer>
{
    public const string Queue = "discovery-audit";

    public DiscoveryAuditConsumerDefinition()
    {
        EndpointName = Queue;
        // One run at a time per host (the job fires one at a time across the cluster; a backlog is run in order and skipped).
        ConcurrentMessageLimit = 1;
    }

    protected override void ConfigureConsumer(IReceiveEndpointConfigurator endpointConfigurator,
        IConsumerConfigurator<DiscoveryAuditConsumer> consumerConfigurator, IRegistrationContext context) =>
        endpointConfigurator.UseInfrastructureRetry();
}
