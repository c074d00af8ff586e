using MassTransit;

namespace ModelRegistry.Contracts;

/// <summary>Event: a <see cref="ModelTrained"/> was refused; nothing was registered.</summary>
[EntityName("mreg.model-registration-rejected")]
public record ModelRegistrationRejected
{
    /// <summary>The model name as sent (may be invalid; at most 200 characters are kept).</summary>
    public string ModelName { get; init; } = "";

    /// <summary>The idempotency key as sent or derived, when there was one.</summary>
    public string? IdempotencyKey { get; init; }

    /// <summary>The training run id as sent, when there was one.</summary>
    public string? TrainingRunId { get; init; }

    /// <summary>Machine-readable reason: see <see cref="RejectionReasons"/>.</summary>
    public string ReasonCode { get; init; } = "";

    /// <summary>What was wrong, for a person, naming the field.</summary>
    public string Message { get; init; } = "";

    /// <summary>When the registry refused it.</summary>
    public DateTimeOffset RejectedAt { get; init; }
}
