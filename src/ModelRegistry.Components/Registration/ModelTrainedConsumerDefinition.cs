using MassTransit;
using Microsoft.Extensions.Configuration;

namespace ModelRegistry.Components.Registration;

public sealed class ModelTrainedConsumerDefinition : ConsumerDefinition<ModelTrainedConsumer>
{
    public const string Queue = "registration";

    // The host's configuration (Registration:*); absent in a bare container, where the defaults apply.
    public ModelTrainedConsumerDefinition(IConfiguration? configuration = null)
    {
        var options = configuration?.GetSection(RegistrationOptions.Section).Get<RegistrationOptions>() ?? new RegistrationOptions();
        var invalid = options.Validate().FirstOrDefault();
        if (invalid is not null) throw new InvalidOperationException(invalid);
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
