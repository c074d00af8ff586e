using MassTransit;
using ModelRegistry.Platform;

namespace ModelRegistry.Retention;

public sealed class StorageReportConsumerDefinition : ConsumerDefinition<StorageReportConsumer>
{
    public const string Queue = "retention-report";

    public StorageReportConsumerDefinition()
    {
        EndpointName = Queue;
        ConcurrentMessageLimit = 1;
    }

    protected override void ConfigureConsumer(IReceiveEndpointConfigurator endpointConfigurator,
        IConsumerConfigurator<StorageReportConsumer> consumerConfigurator, IRegistrationContext context) =>
        endpointConfigurator.UseInfrastructureRetry();
}
