using MassTransit;

namespace ModelRegistry.Contracts;

/// <summary>Event: a <see cref="ChangeModelGovernance"/> was refused; the model is unchanged.</summary>
[EntityName("mreg.model-governance-rejected")]
public record ModelGovernanceRejected
{
    /// <summary>The command's id as sent.</summary>
    public Guid CommandId { get; init; }

    /// <summary>The model name as sent (at most 200 characters are kept).</summary>
    public string ModelName { get; init; } = "";

    /// <summary>
    /// Machine-readable reason (see <see cref="RejectionReasons"/>): unauthenticated, not_permitted, missing_field,
    /// invalid_name, invalid_value, limit_exceeded, unknown_model.
    /// </summary>
    public string ReasonCode { get; init; } = "";

    /// <summary>What was wrong, for a person, naming the field.</summary>
    public string Message { get; init; } = "";

    /// <summary>When the registry refused it.</summary>
    public DateTimeOffset RejectedAt { get; init; }
}
