using MassTransit;
using ModelRegistry.Persistence;

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
        // Invalid input becomes a rejection event inside the consumer; what reaches this retry is
        // infrastructure (disk, database after Polly's own retries), worth a few more tries
        // before the message goes to registration_error.
        endpointConfigurator.UseMessageRetry(r =>
        {
            r.Ignore<InvalidMessageException>();
            r.Handle<Exception>(e => e is IOException || DatabaseResilience.IsTransient(e));
            r.Exponential(5, TimeSpan.FromMilliseconds(200), TimeSpan.FromSeconds(10), TimeSpan.FromMilliseconds(200));
        });
    }
}
