using MassTransit;

namespace ModelRegistry.Contracts;

/// <summary>Event: a model's owner team or risk tier was changed by <see cref="ChangeModelGovernance"/>.</summary>
[EntityName("mreg.model-governance-changed")]
public record ModelGovernanceChanged
{
    /// <summary>The command's id.</summary>
    public Guid CommandId { get; init; }

    /// <summary>The model's name.</summary>
    public string ModelName { get; init; } = "";

    /// <summary>The owner team before the change.</summary>
    public string PreviousOwnerTeam { get; init; } = "";

    /// <summary>The owner team now.</summary>
    public string OwnerTeam { get; init; } = "";

    /// <summary>The risk tier before the change.</summary>
    public string PreviousRiskTier { get; init; } = "";

    /// <summary>The risk tier now.</summary>
    public string RiskTier { get; init; } = "";

    /// <summary>The authenticated principal that sent the command.</summary>
    public string ChangedBy { get; init; } = "";

    /// <summary>Why, as the command said.</summary>
    public string Reason { get; init; } = "";

    /// <summary>When the registry changed it.</summary>
    public DateTimeOffset ChangedAt { get; init; }
}
