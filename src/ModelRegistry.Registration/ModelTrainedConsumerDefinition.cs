using MassTransit;
using ModelRegistry.Platform;
using ModelRegistry.Platform.Rules;

namespace ModelRegistry.Registration;

public sealed class ModelTrainedConsumerDefinition : ConsumerDefinition<ModelTrainedConsumer>
{
    public const string Queue = "registration";

    // The options the module bound and validated (Registration:*); absent in a bare container, where the defaults apply.
    public ModelTrainedConsumerDefinition(RegistrationOptions? options = null)
    {
        options ??= new RegistrationOptions();
        Endpoint(e =>
        {
            e.Name = Queue;
            e.PrefetchCount = options.EffectivePrefetchCount;
        });
        ConcurrentMessageLimit = options.ConcurrentMessageLimit;
    }

    protected override void ConfigureConsumer(IReceiveEndpointConfigurator endpointConfigurator,
        IConsumerConfigurator<ModelTrainedConsumer> consumerConfigurator, IRegistrationContext context)
    {
        // Files are read and written too: an I/O error is worth another try.
        endpointConfigurator.UseInfrastructureRetry(e => e is IOException);
    }
}
