using MassTransit;

namespace ModelRegistry.Contracts;

/// <summary>Event: an <see cref="EvaluationCompleted"/> was attached to its model version.</summary>
[EntityName("mreg.evaluation-recorded")]
public record EvaluationRecorded
{
    /// <summary>The evaluation's id, as sent.</summary>
    public Guid EvaluationId { get; init; }

    /// <summary>The model's name.</summary>
    public string ModelName { get; init; } = "";

    /// <summary>The version number the evaluation is attached to.</summary>
    public int Version { get; init; }

    /// <summary>The registry's identifier of the version.</summary>
    public Guid ModelVersionId { get; init; }

    /// <summary>The evaluation suite.</summary>
    public string Suite { get; init; } = "";

    /// <summary>The metrics, as recorded.</summary>
    public Dictionary<string, double> Metrics { get; init; } = [];

    /// <summary>The most severe security finding (none, info, low, medium, high, critical).</summary>
    public string MaxFindingSeverity { get; init; } = "none";

    /// <summary>When it was recorded.</summary>
    public DateTimeOffset RecordedAt { get; init; }
}
