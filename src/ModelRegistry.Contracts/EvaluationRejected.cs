using MassTransit;

namespace ModelRegistry.Contracts;

/// <summary>Event: an <see cref="EvaluationCompleted"/> was refused. It is kept for inspection (mreg evaluations rejected).</summary>
[EntityName("mreg.evaluation-rejected")]
public record EvaluationRejected
{
    /// <summary>The evaluation's id, as sent (empty when it was missing).</summary>
    public Guid EvaluationId { get; init; }

    /// <summary>Machine-readable reason: see <see cref="RejectionReasons"/>.</summary>
    public string ReasonCode { get; init; } = "";

    /// <summary>What was wrong, for a person, naming the field.</summary>
    public string Message { get; init; } = "";

    /// <summary>When the registry refused it.</summary>
    public DateTimeOffset RejectedAt { get; init; }
}
