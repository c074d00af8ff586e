using MassTransit;

namespace ModelRegistry.Contracts.Promotion;

/// <summary>
/// Command: promote a model version to a stage (docs/promotion.md). The registry validates it, waits for missing
/// evaluations, checks the policy's gates, asks for approvals if the policy requires them, and answers with
/// <see cref="ModelVersionPromoted"/> or <see cref="PromotionRejected"/> carrying the same <see cref="PromotionId"/>.
/// </summary>
[EntityName("mreg.request-promotion")]
public record RequestPromotion
{
    /// <summary>Chosen by the requester (a new UUID per request): names the promotion in every later message. Re-sending
    /// the same id is idempotent.</summary>
    public Guid PromotionId { get; init; }

    /// <summary>The model's name.</summary>
    public string ModelName { get; init; } = "";

    /// <summary>The version to promote.</summary>
    public int Version { get; init; }

    /// <summary>The stage to promote to: staging, shadow, canary or production.</summary>
    public string TargetStage { get; init; } = "";

    /// <summary>Who asks (a person or service account); they can never approve their own request.</summary>
    public string RequestedBy { get; init; } = "";

    /// <summary>Why, for the approvers and the audit log.</summary>
    public string Reason { get; init; } = "";

    /// <summary>The change ticket this promotion belongs to, if any.</summary>
    public string? ChangeTicket { get; init; }
}
