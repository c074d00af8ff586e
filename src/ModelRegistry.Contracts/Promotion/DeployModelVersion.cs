using MassTransit;

namespace ModelRegistry.Contracts.Promotion;

/// <summary>
/// Command for serving endpoints: serve this version of the model in production now. Sent when a version takes
/// production, by promotion or by rollback. Idempotent for the receiver: deploying the version already served is a no-op.
/// </summary>
[EntityName("mreg.deploy-model-version")]
public record DeployModelVersion
{
    /// <summary>Unique per deployment instruction (the promotion or rollback id).</summary>
    public Guid DeploymentId { get; init; }

    /// <summary>The model's name.</summary>
    public string ModelName { get; init; } = "";

    /// <summary>The version number.</summary>
    public int Version { get; init; }

    /// <summary>The registry's identifier of the version.</summary>
    public Guid ModelVersionId { get; init; }

    /// <summary>Identifies the artifact to load (objects are content-addressed).</summary>
    public string ManifestDigest { get; init; } = "";

    /// <summary>promotion or rollback.</summary>
    public string Cause { get; init; } = "";

    /// <summary>The version being replaced, if any.</summary>
    public int? ReplacesVersion { get; init; }

    /// <summary>When the instruction was issued.</summary>
    public DateTimeOffset IssuedAt { get; init; }

    /// <summary>
    /// The model's stage-change number: each promotion or rollback of the model takes the next one (1, 2, ...), shared with
    /// <see cref="ModelVersionPromoted.StageSequence"/> and <see cref="ModelVersionRolledBack.StageSequence"/>. A receiver ignores
    /// an instruction whose number is lower than one it already applied for the model (docs/messages.md).
    /// </summary>
    public long StageSequence { get; init; }
}
