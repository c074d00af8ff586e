using MassTransit;

namespace ModelRegistry.Contracts.Promotion;

/// <summary>
/// Command, break-glass: make the previous production version of a model production again at once (no approval wait),
/// retire the current one, and tell serving endpoints with <see cref="DeployModelVersion"/>. Answered with
/// <see cref="ModelVersionRolledBack"/> or <see cref="RollbackRejected"/>.
/// </summary>
[EntityName("mreg.request-rollback")]
public record RequestRollback
{
    /// <summary>Chosen by the requester; re-sending the same id is idempotent.</summary>
    public Guid RollbackId { get; init; }

    /// <summary>The model's name.</summary>
    public string ModelName { get; init; } = "";

    /// <summary>The incident that called for the rollback; a model is rolled back at most once per incident.</summary>
    public string IncidentId { get; init; } = "";

    /// <summary>The version in production that the requester rolls back from; refused <c>stale_rollback</c> if production has changed since.</summary>
    public int FromVersion { get; init; }

    /// <summary>Who asked, in the requester's words: information only; the requester is the sender's principal (the broker's validated user_id).</summary>
    public string RequestedBy { get; init; } = "";

    /// <summary>Why, in the requester's words.</summary>
    public string Reason { get; init; } = "";
}
