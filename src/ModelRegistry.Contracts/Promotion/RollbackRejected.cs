using MassTransit;

namespace ModelRegistry.Contracts.Promotion;

/// <summary>Event: a rollback could not be done (unknown model, nothing in production, no earlier production version).</summary>
[EntityName("mreg.rollback-rejected")]
public record RollbackRejected
{
    /// <summary>The rollback's id, chosen by its requester.</summary>
    public Guid RollbackId { get; init; }

    /// <summary>The model's name.</summary>
    public string ModelName { get; init; } = "";

    /// <summary>The incident that called for the rollback.</summary>
    public string IncidentId { get; init; } = "";

    /// <summary>Machine-readable: unauthenticated, not_permitted, invalid_request, unknown_model, duplicate_incident, stale_rollback, nothing_in_production, no_previous_version.</summary>
    public string ReasonCode { get; init; } = "";

    /// <summary>For people: what was wrong.</summary>
    public string Message { get; init; } = "";

    /// <summary>When it was rejected.</summary>
    public DateTimeOffset RejectedAt { get; init; }
}
