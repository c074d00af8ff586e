using MassTransit;

namespace ModelRegistry.Contracts;

/// <summary>
/// Command: change a model's owner team or risk tier, which its first registration fixed and <see cref="ModelTrained"/>
/// may not change. Only principals with the governance role may send it (docs/security.md). Answered with
/// <see cref="ModelGovernanceChanged"/> or <see cref="ModelGovernanceRejected"/>.
/// </summary>
[EntityName("mreg.change-model-governance")]
public record ChangeModelGovernance
{
    /// <summary>Chosen by the sender; re-sending the same id changes nothing.</summary>
    public Guid CommandId { get; init; }

    /// <summary>The model's name.</summary>
    public string ModelName { get; init; } = "";

    /// <summary>The new owner team, or null to keep the current one.</summary>
    public string? OwnerTeam { get; init; }

    /// <summary>The new risk tier (low, medium, high, critical), or null to keep the current one.</summary>
    public string? RiskTier { get; init; }

    /// <summary>Why, in the sender's words (required; kept in the audit record).</summary>
    public string Reason { get; init; } = "";

    /// <summary>Who asks, as information only: the audit actor is the message's authenticated principal.</summary>
    public string? RequestedBy { get; init; }
}
