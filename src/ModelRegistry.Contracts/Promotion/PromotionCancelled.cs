using MassTransit;

namespace ModelRegistry.Contracts.Promotion;

/// <summary>Event: an open promotion was cancelled; nothing changed stage.</summary>
[EntityName("mreg.promotion-cancelled")]
public record PromotionCancelled
{
    /// <summary>The promotion's id, chosen by its requester.</summary>
    public Guid PromotionId { get; init; }

    /// <summary>The model's name.</summary>
    public string ModelName { get; init; } = "";

    /// <summary>The version number.</summary>
    public int Version { get; init; }

    /// <summary>The stage the promotion asked for.</summary>
    public string TargetStage { get; init; } = "";

    /// <summary>Who cancelled.</summary>
    public string CancelledBy { get; init; } = "";

    /// <summary>Why, in the requester's words.</summary>
    public string Reason { get; init; } = "";

    /// <summary>When it was cancelled.</summary>
    public DateTimeOffset CancelledAt { get; init; }
}
