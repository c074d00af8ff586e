using MassTransit;

namespace ModelRegistry.Contracts.Promotion;

/// <summary>
/// Event for ticketing integrations: a promotion needs sign-off. Open a ticket, show the evidence, and answer each
/// approver's decision with a signed <see cref="ApprovalDecided"/> (docs/ticketing.md) before <see cref="Deadline"/>.
/// Check first that it is the registry's: <see cref="Signatures"/> holds an HMAC of it for your integration.
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

    /// <summary>
    /// This request's nonce (64 lower-case hex digits): every decision answering it carries and signs it. A resend keeps it.
    /// </summary>
    public string Nonce { get; init; } = "";

    /// <summary>
    /// The registry's signature of this request for each configured integration, by integration name: lower-case hex
    /// HMAC-SHA256 of the request's canonical form keyed with that integration's secret (docs/ticketing.md).
    /// </summary>
    public IReadOnlyDictionary<string, string> Signatures { get; init; } = new Dictionary<string, string>();
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

    /// <summary>Latest metric per suite: "suite/metric" to value (15 significant digits at most).</summary>
    public IReadOnlyDictionary<string, double> Metrics { get; init; } = new Dictionary<string, double>();

    /// <summary>The bias measurements of the latest evaluation of each suite, by suite, attribute and metric.</summary>
    public IReadOnlyList<EvidenceBias> Bias { get; init; } = [];

    /// <summary>The security findings of the latest evaluation of each suite, worst first; at most 50 (see <see cref="FindingCounts"/>).</summary>
    public IReadOnlyList<EvidenceFinding> SecurityFindings { get; init; } = [];

    /// <summary>How many findings of each severity the latest evaluations of all suites reported (all of them, not only those listed).</summary>
    public IReadOnlyDictionary<string, int> FindingCounts { get; init; } = new Dictionary<string, int>();

    /// <summary>The version in production now, if any.</summary>
    public int? ProductionVersion { get; init; }

    /// <summary>Candidate minus production value for each "suite/metric" both have, computed in decimal (0.94 - 0.9 is 0.04).</summary>
    public IReadOnlyDictionary<string, double> MetricDeltas { get; init; } = new Dictionary<string, double>();

    /// <summary>What else differs from the production version (commit, datasets, base model).</summary>
    public IReadOnlyList<string> LineageChanges { get; init; } = [];
}

/// <summary>One bias measurement in the evidence: which suite measured it, across which attribute.</summary>
public record EvidenceBias
{
    /// <summary>The evaluation suite that reported it.</summary>
    public string Suite { get; init; } = "";

    /// <summary>The protected attribute, e.g. "gender".</summary>
    public string Attribute { get; init; } = "";

    /// <summary>The measure, e.g. "demographic_parity_difference".</summary>
    public string Metric { get; init; } = "";

    /// <summary>The measured value (15 significant digits at most).</summary>
    public double Value { get; init; }
}

/// <summary>One security finding in the evidence.</summary>
public record EvidenceFinding
{
    /// <summary>The evaluation suite that reported it.</summary>
    public string Suite { get; init; } = "";

    /// <summary>The finding's identifier in the scanner.</summary>
    public string Id { get; init; } = "";

    /// <summary>info, low, medium, high or critical.</summary>
    public string Severity { get; init; } = "";

    /// <summary>Its description, at most 200 characters.</summary>
    public string Title { get; init; } = "";
}
