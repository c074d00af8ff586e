using MassTransit;

namespace ModelRegistry.Contracts.Promotion;

/// <summary>Command: stop an open promotion. Answered with <see cref="PromotionCancelled"/> when the promotion was open; a finished or unknown promotion stays as it is, unanswered.</summary>
[EntityName("mreg.cancel-promotion")]
public record CancelPromotion
{
    /// <summary>The promotion to cancel.</summary>
    public Guid PromotionId { get; init; }

    /// <summary>Who cancels.</summary>
    public string CancelledBy { get; init; } = "";

    /// <summary>Why.</summary>
    public string Reason { get; init; } = "";
}
