using MassTransit;
using ModelRegistry.Platform;
using ModelRegistry.Platform.Rules;

namespace ModelRegistry.Evaluation;

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
        endpointConfigurator.UseInfrastructureRetry();
    }
}
