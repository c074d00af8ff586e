using MassTransit;

namespace ModelRegistry.Components.Registration;

public sealed class ModelTrainedConsumerDefinition : ConsumerDefinition<ModelTrainedConsumer>
{
    public const string Queue = "registration";

    public ModelTrainedConsumerDefinition()
    {
        EndpointName = Queue;
        ConcurrentMessageLimit = 32;
    }

    protected override void ConfigureConsumer(IReceiveEndpointConfigurator endpointConfigurator,
        IConsumerConfigurator<ModelTrainedConsumer> consumerConfigurator, IRegistrationContext context)
    {
        // Files are read and written too: an I/O error is worth another try.
        endpointConfigurator.UseInfrastructureRetry(e => e is IOException);
    }
}
