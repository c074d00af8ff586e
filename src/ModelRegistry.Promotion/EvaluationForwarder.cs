using MassTransit;
using Microsoft.Extensions.Logging;
using ModelRegistry.Contracts;
using ModelRegistry.Contracts.Promotion;
using ModelRegistry.Platform;
using ModelRegistry.Platform.Audit;
using ModelRegistry.Platform.Identity;
using ModelRegistry.Platform.Rules;
using ModelRegistry.Promotion.Rules;
using Npgsql;

namespace ModelRegistry.Promotion;

/// <summary>
/// Tells each promotion waiting on a version's evaluations that one arrived. (A notice that races the promotion's own
/// commit is not lost either: at its evaluation deadline a promotion checks its gates once more before it expires.)
/// Only the registry records evaluations: an <see cref="EvaluationRecorded"/> from another principal is ignored, with an
/// audit record (evaluation.notice_ignored) and a warning, since it could only make promotions look at their gates early.
/// </summary>
public sealed class EvaluationForwarder(NpgsqlDataSource dataSource, IMessagePrincipal principals, AccessPolicy access, TimeProvider clock,
    ILogger<EvaluationForwarder> logger) : IConsumer<EvaluationRecorded>
{
    public async Task Consume(ConsumeContext<EvaluationRecorded> context)
    {
        var (m, ct) = (context.Message, context.CancellationToken);
        var principal = principals.SenderOf(context);
        if (PromotionAuthority.IsRegistry(access, principal, nameof(EvaluationRecorded)) is { } foreign)
        {
            await using var work = await UnitOfWork.BeginAsync(dataSource, ct);
            var model = Bounded.Clip(m.ModelName ?? "", 200);
            work.Audit(new AuditAppend(string.IsNullOrEmpty(principal) ? "unknown" : Bounded.Clip(principal, 200), "evaluation.notice_ignored",
                "model_version", $"{model}/{m.Version}", model.Length > 0 ? model : null,
                new { evaluationId = m.EvaluationId, reasonCode = foreign.ReasonCode, message = foreign.Message }));
            await work.CommitAsync(clock.GetUtcNow(), ct);
            logger.LogWarning("EvaluationRecorded for {Model}/{Version} ignored: {Reason} {Message}", model, m.Version, foreign.ReasonCode, foreign.Message);
            return;
        }
        var waiting = await PromotionStore.AwaitingEvaluationsAsync(dataSource, m.ModelName, m.Version, ct);
        foreach (var promotionId in waiting)
            await context.Publish(new PromotionEvaluationArrived { PromotionId = promotionId, EvaluationId = m.EvaluationId }, ct);
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
