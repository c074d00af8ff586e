using MassTransit;

namespace ModelRegistry.Contracts.Promotion;

/// <summary>Event: a rollback restored <see cref="RestoredVersion"/> to production and retired <see cref="RetiredVersion"/>.</summary>
[EntityName("mreg.model-version-rolled-back")]
public record ModelVersionRolledBack
{
    /// <summary>The rollback's id, chosen by its requester.</summary>
    public Guid RollbackId { get; init; }

    /// <summary>The model's name.</summary>
    public string ModelName { get; init; } = "";

    /// <summary>The version that is production again.</summary>
    public int RestoredVersion { get; init; }

    /// <summary>The version that was production and is now retired.</summary>
    public int RetiredVersion { get; init; }

    /// <summary>The incident that called for the rollback.</summary>
    public string IncidentId { get; init; } = "";

    /// <summary>Who asked.</summary>
    public string RequestedBy { get; init; } = "";

    /// <summary>Why, in the requester's words.</summary>
    public string Reason { get; init; } = "";

    /// <summary>Roles the policy asks to review this break-glass change after the fact (empty: none).</summary>
    public IReadOnlyList<string> ReviewRoles { get; init; } = [];

    /// <summary>When production changed.</summary>
    public DateTimeOffset RolledBackAt { get; init; }

    /// <summary>The model's stage-change number (see <see cref="DeployModelVersion.StageSequence"/>).</summary>
    public long StageSequence { get; init; }
}
