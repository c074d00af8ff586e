using MassTransit;

namespace ModelRegistry.Contracts;

/// <summary>
/// Event from an evaluation job: a model version was evaluated. It names the version either by
/// model name and version number or by the artifact's manifest digest. Wire format:
/// docs/messages.md#evaluationcompleted.
/// </summary>
[EntityName("mreg.evaluation-completed")]
public record EvaluationCompleted
{
    /// <summary>Identifies the evaluation; the same id delivered twice is recorded once. Required.</summary>
    public Guid EvaluationId { get; init; }

    /// <summary>The model's name (with <see cref="Version"/>), or null when <see cref="ArtifactDigest"/> is given.</summary>
    public string? ModelName { get; init; }

    /// <summary>The version number (with <see cref="ModelName"/>).</summary>
    public int? Version { get; init; }

    /// <summary>The version's manifest digest ("sha256:..."), instead of name and version.</summary>
    public string? ArtifactDigest { get; init; }

    /// <summary>The evaluation suite, e.g. "accuracy-v2" (name charset, at most 100 characters). Required.</summary>
    public string Suite { get; init; } = "";

    /// <summary>The data set evaluated on.</summary>
    public DatasetRef? Dataset { get; init; }

    /// <summary>Metric name to value: at most 200 entries, names in the name charset, finite numbers.</summary>
    public Dictionary<string, double> Metrics { get; init; } = [];

    /// <summary>Bias measurements: at most 200.</summary>
    public List<BiasAssessment> BiasAssessments { get; init; } = [];

    /// <summary>Security findings: at most 500.</summary>
    public List<SecurityFinding> SecurityFindings { get; init; } = [];

    /// <summary>When the evaluation ran.</summary>
    public DateTimeOffset EvaluatedAt { get; init; }
}

/// <summary>One bias measurement, e.g. demographic parity difference across an attribute.</summary>
public record BiasAssessment
{
    /// <summary>The protected attribute, e.g. "gender" (at most 100 characters).</summary>
    public string Attribute { get; init; } = "";

    /// <summary>The measure, e.g. "demographic_parity_difference" (name charset).</summary>
    public string Metric { get; init; } = "";

    /// <summary>The measured value (finite).</summary>
    public double Value { get; init; }
}

/// <summary>One security finding about the model or its artifact.</summary>
public record SecurityFinding
{
    /// <summary>The finding's identifier in the scanner (at most 200 characters).</summary>
    public string Id { get; init; } = "";

    /// <summary>info, low, medium, high or critical.</summary>
    public string Severity { get; init; } = "";

    /// <summary>A short description (at most 1,000 characters).</summary>
    public string Title { get; init; } = "";
}
