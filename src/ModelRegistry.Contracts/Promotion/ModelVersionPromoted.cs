using MassTransit;

namespace ModelRegistry.Contracts.Promotion;

/// <summary>Event: a version took a stage. Production is exclusive: <see cref="RetiredVersions"/> lists the versions it replaced.</summary>
[EntityName("mreg.model-version-promoted")]
public record ModelVersionPromoted
{
    /// <summary>The promotion's id, chosen by its requester.</summary>
    public Guid PromotionId { get; init; }

    /// <summary>The model's name.</summary>
    public string ModelName { get; init; } = "";

    /// <summary>The version number.</summary>
    public int Version { get; init; }

    /// <summary>The registry's identifier of the version.</summary>
    public Guid ModelVersionId { get; init; }

    /// <summary>The stage the version was in before.</summary>
    public string FromStage { get; init; } = "";

    /// <summary>The stage the version is in now.</summary>
    public string ToStage { get; init; } = "";

    /// <summary>Versions retired by this promotion (the previous production version).</summary>
    public IReadOnlyList<int> RetiredVersions { get; init; } = [];

    /// <summary>Who asked.</summary>
    public string RequestedBy { get; init; } = "";

    /// <summary>The approvals that counted: approver and role.</summary>
    public IReadOnlyList<Approval> ApprovedBy { get; init; } = [];

    /// <summary>The change ticket the promotion belongs to, if any.</summary>
    public string? ChangeTicket { get; init; }

    /// <summary>When the stage changed.</summary>
    public DateTimeOffset PromotedAt { get; init; }

    /// <summary>The model's stage-change number (see <see cref="DeployModelVersion.StageSequence"/>).</summary>
    public long StageSequence { get; init; }
}

/// <summary>An approval that counted toward a promotion.</summary>
public record Approval
{
    /// <summary>The approver's identity, as in the approver directory.</summary>
    public string Approver { get; init; } = "";

    /// <summary>The role signed as.</summary>
    public string Role { get; init; } = "";

    /// <summary>The ticket in the ticketing system.</summary>
    public string TicketId { get; init; } = "";

    /// <summary>When the approver decided.</summary>
    public DateTimeOffset DecidedAt { get; init; }
}
