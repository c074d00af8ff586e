using MassTransit;
using ModelRegistry.Contracts;
using ModelRegistry.Contracts.Promotion;
using ModelRegistry.Promotion;
using Npgsql;
using ModelRegistry.Platform;
using ModelRegistry.Platform.Rules;

namespace ModelRegistry.Promotion;

/// <summary>
/// Tells each promotion waiting on a version's evaluations that one arrived. (A notice that races the promotion's own
/// commit is not lost either: at its evaluation deadline a promotion checks its gates once more before it expires.)
/// </summary>
public sealed class EvaluationForwarder(NpgsqlDataSource dataSource) : IConsumer<EvaluationRecorded>
{
    public async Task Consume(ConsumeContext<EvaluationRecorded> context)
    {
        var m = context.Message;
        var waiting = await PromotionStore.AwaitingEvaluationsAsync(dataSource, m.ModelName, m.Version, context.CancellationToken);
        foreach (var promotionId in waiting)
            await context.Publish(new PromotionEvaluationArrived { PromotionId = promotionId, EvaluationId = m.EvaluationId }, context.CancellationToken);
    }
}

public sealed class EvaluationForwarderDefinition : ConsumerDefinition<EvaluationForwarder>
{
    public const string Queue = "promotion-evaluations";

    public EvaluationForwarderDefinition() => EndpointName = Queue;

    protected override void ConfigureConsumer(IReceiveEndpointConfigurator endpointConfigurator,
        IConsumerConfigurator<EvaluationForwarder> consumerConfigurator, IRegistrationContext context) =>
        endpointConfigurator.UseInfrastructureRetry();
}
