using MassTransit;
using ModelRegistry.Persistence;

namespace ModelRegistry.Components.Evaluation;

public sealed class EvaluationCompletedConsumerDefinition : ConsumerDefinition<EvaluationCompletedConsumer>
{
    public const string Queue = "evaluation";

    public EvaluationCompletedConsumerDefinition()
    {
        EndpointName = Queue;
        ConcurrentMessageLimit = 32;
    }

    protected override void ConfigureConsumer(IReceiveEndpointConfigurator endpointConfigurator,
        IConsumerConfigurator<EvaluationCompletedConsumer> consumerConfigurator, IRegistrationContext context)
    {
        endpointConfigurator.UseMessageRetry(r =>
        {
            r.Handle<Exception>(DatabaseResilience.IsTransient);
            r.Exponential(5, TimeSpan.FromMilliseconds(200), TimeSpan.FromSeconds(10), TimeSpan.FromMilliseconds(200));
        });
    }
}
