using MassTransit;

namespace ModelRegistry.Contracts;

/// <summary>Event: a <see cref="ModelTrained"/> became an immutable, numbered model version.</summary>
[EntityName("mreg.model-version-registered")]
public record ModelVersionRegistered
{
    /// <summary>The model's name.</summary>
    public string ModelName { get; init; } = "";

    /// <summary>The version number: 1, 2, 3... per model, without gaps.</summary>
    public int Version { get; init; }

    /// <summary>The registry's identifier of the version.</summary>
    public Guid ModelVersionId { get; init; }

    /// <summary>"sha256:" plus the SHA-256 of the canonical manifest: identifies the artifact as a whole.</summary>
    public string ManifestDigest { get; init; } = "";

    /// <summary>The registration's idempotency key (the pipeline's, or run id + model name).</summary>
    public string IdempotencyKey { get; init; } = "";

    /// <summary>The training run the version came from.</summary>
    public string TrainingRunId { get; init; } = "";

    /// <summary>When the version was registered.</summary>
    public DateTimeOffset RegisteredAt { get; init; }
}
