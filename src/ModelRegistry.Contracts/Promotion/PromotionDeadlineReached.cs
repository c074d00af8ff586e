using MassTransit;

namespace ModelRegistry.Contracts.Promotion;

/// <summary>Internal: a promotion's durable deadline (Quartz) fired. The promotion ignores it unless it is still waiting
/// for exactly this deadline.</summary>
[EntityName("mreg.promotion-deadline-reached")]
public record PromotionDeadlineReached
{
    /// <summary>The promotion's id, chosen by its requester.</summary>
    public Guid PromotionId { get; init; }

    /// <summary>evaluation or approval.</summary>
    public string Deadline { get; init; } = "";

    /// <summary>When the deadline was due.</summary>
    public DateTimeOffset DueAt { get; init; }
}
