using MassTransit;

namespace ModelRegistry.Contracts.Promotion;

/// <summary>Internal: an evaluation of the version a promotion waits on was recorded; the promotion checks its gates again.</summary>
[EntityName("mreg.promotion-evaluation-arrived")]
public record PromotionEvaluationArrived
{
    /// <summary>The waiting promotion.</summary>
    public Guid PromotionId { get; init; }

    /// <summary>The evaluation that arrived.</summary>
    public Guid EvaluationId { get; init; }
}
