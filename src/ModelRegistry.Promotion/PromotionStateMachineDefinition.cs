using MassTransit;
using ModelRegistry.Promotion;
using Npgsql;
using ModelRegistry.Platform;
using ModelRegistry.Platform.Rules;

namespace ModelRegistry.Promotion;

public sealed class PromotionStateMachineDefinition : SagaDefinition<PromotionState>
{
    public const string Queue = "promotion";

    public PromotionStateMachineDefinition()
    {
        EndpointName = Queue;
        ConcurrentMessageLimit = 16;
    }

    protected override void ConfigureSaga(IReceiveEndpointConfigurator endpointConfigurator, ISagaConfigurator<PromotionState> sagaConfigurator,
        IRegistrationContext context)
    {
        endpointConfigurator.UseInfrastructureRetry();
        // Inside it: a lost optimistic-concurrency race (two votes of one promotion at once), or two requests for the same
        // version and stage colliding on the one-open-promotion index, is retried at once against the state the winner
        // left; the winner has committed by then, so there is nothing to wait for.
        endpointConfigurator.UseMessageRetry(r =>
        {
            r.Handle<ConcurrencyException>();
            r.Handle<PostgresException>(e => e.SqlState == PostgresErrorCodes.UniqueViolation);
            r.Intervals(0, 5, 20, 50, 100, 200, 500, 1000);
        });
    }
}
