using MassTransit;

namespace ModelRegistry.Contracts.Promotion;

/// <summary>
/// Event for ticketing integrations: a promotion needs sign-off. Open a ticket, show the evidence, and answer each
/// approver's decision with a signed <see cref="ApprovalDecided"/> (docs/ticketing.md) before <see cref="Deadline"/>.
/// </summary>
[EntityName("mreg.approval-requested")]
public record ApprovalRequested
{
    /// <summary>The promotion's id, chosen by its requester.</summary>
    public Guid PromotionId { get; init; }

    /// <summary>The model's name.</summary>
    public string ModelName { get; init; } = "";

    /// <summary>The version number.</summary>
    public int Version { get; init; }

    /// <summary>The stage the version was in before.</summary>
    public string FromStage { get; init; } = "";

    /// <summary>The stage the promotion asked for.</summary>
    public string TargetStage { get; init; } = "";

    /// <summary>The model's risk tier, which picked the policy.</summary>
    public string RiskTier { get; init; } = "";

    /// <summary>Who asked.</summary>
    public string RequestedBy { get; init; } = "";

    /// <summary>Why, in the requester's words.</summary>
    public string Reason { get; init; } = "";

    /// <summary>The change ticket the promotion belongs to, if any.</summary>
    public string? ChangeTicket { get; init; }

    /// <summary>Every role must be approved, each by a different person.</summary>
    public IReadOnlyList<string> RequiredRoles { get; init; } = [];

    /// <summary>How many different people must approve in total.</summary>
    public int DistinctApprovers { get; init; }

    /// <summary>After this the promotion expires (reason approval_timeout).</summary>
    public DateTimeOffset Deadline { get; init; }

    /// <summary>What the approvers decide on.</summary>
    public PromotionEvidence Evidence { get; init; } = new();
}

/// <summary>The evidence an approver sees: lineage, gate results, latest metrics, and the difference from production.</summary>
public record PromotionEvidence
{
    /// <summary>"sha256:" plus the SHA-256 of the canonical manifest: identifies the artifact.</summary>
    public string ManifestDigest { get; init; } = "";

    /// <summary>The training run the version came from.</summary>
    public string TrainingRunId { get; init; } = "";

    /// <summary>The code repository of the training code.</summary>
    public string CodeRepository { get; init; } = "";

    /// <summary>The commit the training code was at.</summary>
    public string CodeCommit { get; init; } = "";

    /// <summary>The training datasets, as name@version (digest).</summary>
    public IReadOnlyList<string> Datasets { get; init; } = [];

    /// <summary>The gates of the target stage, each passed (the failed ones would have rejected the promotion).</summary>
    public IReadOnlyList<string> GatesPassed { get; init; } = [];

    /// <summary>Latest metric per suite: "suite/metric" to value.</summary>
    public IReadOnlyDictionary<string, double> Metrics { get; init; } = new Dictionary<string, double>();

    /// <summary>The version in production now, if any.</summary>
    public int? ProductionVersion { get; init; }

    /// <summary>Candidate minus production value for each "suite/metric" both have.</summary>
    public IReadOnlyDictionary<string, double> MetricDeltas { get; init; } = new Dictionary<string, double>();

    /// <summary>What else differs from the production version (commit, datasets, base model).</summary>
    public IReadOnlyList<string> LineageChanges { get; init; } = [];
}
