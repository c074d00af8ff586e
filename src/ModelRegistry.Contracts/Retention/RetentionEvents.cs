using MassTransit;

namespace ModelRegistry.Contracts.Retention;

/// <summary>
/// Event: a retention sweep was planned (or refused). Its actions follow as <see cref="ModelVersionArchived"/>,
/// <see cref="ArchivedArtifactDeleted"/> or <see cref="RetentionActionSkipped"/>, one per action.
/// </summary>
[EntityName("mreg.retention-sweep-planned")]
public record RetentionSweepPlanned
{
    /// <summary>The sweep.</summary>
    public Guid SweepId { get; init; }

    /// <summary>planned, or refused (with <see cref="ReasonCode"/> and <see cref="Message"/>).</summary>
    public string Outcome { get; init; } = "";

    /// <summary>Why it was refused: not_permitted, unauthenticated.</summary>
    public string? ReasonCode { get; init; }

    /// <summary>What happened, in words.</summary>
    public string Message { get; init; } = "";

    /// <summary>Archive actions planned.</summary>
    public int Archive { get; init; }

    /// <summary>Delete actions planned.</summary>
    public int Delete { get; init; }

    /// <summary>Bytes the archive actions move out of the primary store (each object counted once).</summary>
    public long BytesToArchive { get; init; }

    /// <summary>Bytes the delete actions free from the archive tier (each object counted once).</summary>
    public long BytesToDelete { get; init; }

    /// <summary>Versions kept, by the rule that kept them (production, serving, open_promotion, legal_hold, base_of_kept, shares_bytes, ...).</summary>
    public Dictionary<string, int> Kept { get; init; } = [];

    /// <summary>The principal that asked (the registry's own for the schedule).</summary>
    public string? RequestedBy { get; init; }

    /// <summary>When the plan was made.</summary>
    public DateTimeOffset PlannedAt { get; init; }
}

/// <summary>Event: a version's artifact bytes were moved to the archive tier (metadata, digests and lineage stay).</summary>
[EntityName("mreg.model-version-archived")]
public record ModelVersionArchived
{
    /// <summary>The action.</summary>
    public Guid ActionId { get; init; }
    /// <summary>The sweep that planned it.</summary>
    public Guid SweepId { get; init; }
    /// <summary>The version.</summary>
    public Guid VersionId { get; init; }
    /// <summary>Its model's name.</summary>
    public string ModelName { get; init; } = "";
    /// <summary>Its number.</summary>
    public int Version { get; init; }

    /// <summary>The policy rule that selected it.</summary>
    public string Rule { get; init; } = "";

    /// <summary>Bytes of its objects moved by this action (objects already archived by another version are not counted).</summary>
    public long BytesMoved { get; init; }

    /// <summary>When its bytes were archived.</summary>
    public DateTimeOffset ArchivedAt { get; init; }
}

/// <summary>Event: an archived version's artifact bytes were deleted; each file left a tombstone (when, why, which rule).</summary>
[EntityName("mreg.archived-artifact-deleted")]
public record ArchivedArtifactDeleted
{
    /// <summary>The action.</summary>
    public Guid ActionId { get; init; }
    /// <summary>The sweep that planned it.</summary>
    public Guid SweepId { get; init; }
    /// <summary>The version.</summary>
    public Guid VersionId { get; init; }
    /// <summary>Its model's name.</summary>
    public string ModelName { get; init; } = "";
    /// <summary>Its number.</summary>
    public int Version { get; init; }

    /// <summary>The policy rule whose delay passed.</summary>
    public string Rule { get; init; } = "";

    /// <summary>Bytes freed by this action (objects deleted by another version's action are not counted).</summary>
    public long BytesFreed { get; init; }

    /// <summary>When its bytes were deleted.</summary>
    public DateTimeOffset DeletedAt { get; init; }
}

/// <summary>Event: a planned action was not carried out, because a keep rule held at the moment of the action.</summary>
[EntityName("mreg.retention-action-skipped")]
public record RetentionActionSkipped
{
    /// <summary>The action.</summary>
    public Guid ActionId { get; init; }
    /// <summary>The sweep that planned it.</summary>
    public Guid SweepId { get; init; }
    /// <summary>The version.</summary>
    public Guid VersionId { get; init; }
    /// <summary>Its model's name.</summary>
    public string ModelName { get; init; } = "";
    /// <summary>Its number.</summary>
    public int Version { get; init; }

    /// <summary>archive or delete.</summary>
    public string Action { get; init; } = "";

    /// <summary>The keep rule that held (production, serving, open_promotion, legal_hold, base_of_kept, shares_bytes, ...), or the state that made it moot.</summary>
    public string KeptBy { get; init; } = "";

    /// <summary>What happened, in words.</summary>
    public string Message { get; init; } = "";
    /// <summary>When.</summary>
    public DateTimeOffset At { get; init; }
}

/// <summary>Event: a legal hold was placed or released, or the request was refused.</summary>
[EntityName("mreg.legal-hold-changed")]
public record LegalHoldChanged
{
    /// <summary>The request's id.</summary>
    public Guid RequestId { get; init; }

    /// <summary>The hold.</summary>
    public Guid HoldId { get; init; }

    /// <summary>placed, released, or refused.</summary>
    public string Outcome { get; init; } = "";

    /// <summary>Why it was refused: not_permitted, unauthenticated, unknown_model, unknown_version, unknown_hold, already_released, invalid_value.</summary>
    public string? ReasonCode { get; init; }

    /// <summary>What happened, in words.</summary>
    public string Message { get; init; } = "";
    /// <summary>Its model's name.</summary>
    public string? ModelName { get; init; }
    /// <summary>Its number.</summary>
    public int? Version { get; init; }

    /// <summary>The principal that asked.</summary>
    public string? By { get; init; }

    /// <summary>When.</summary>
    public DateTimeOffset At { get; init; }
}

/// <summary>
/// Event (the retention worker's schedule): bytes stored, archived and deleted by team, model and stage, with the
/// projected monthly cost and the growth over the last 12 months (docs/retention.md, "Storage report").
/// </summary>
[EntityName("mreg.storage-report-generated")]
public record StorageReportGenerated
{
    /// <summary>Identifies this report.</summary>
    public Guid ReportId { get; init; }
    /// <summary>When it was made.</summary>
    public DateTimeOffset GeneratedAt { get; init; }

    /// <summary>Bytes in the primary store (each object once).</summary>
    public long StoredBytes { get; init; }

    /// <summary>Bytes in the archive tier (each object once).</summary>
    public long ArchivedBytes { get; init; }

    /// <summary>Bytes deleted by retention so far (tombstones, each object once).</summary>
    public long DeletedBytes { get; init; }

    /// <summary>Projected monthly cost of what is stored and archived, from the configured prices per GB-month.</summary>
    public decimal MonthlyCost { get; init; }

    /// <summary>The currency or unit of the configured prices.</summary>
    public string Currency { get; init; } = "";

    /// <summary>Per team.</summary>
    public List<StorageLine> ByTeam { get; init; } = [];

    /// <summary>Per stage (a version's current stage).</summary>
    public List<StorageLine> ByStage { get; init; } = [];

    /// <summary>The 100 models with the most bytes stored and archived.</summary>
    public List<StorageLine> TopModels { get; init; } = [];

    /// <summary>Bytes stored and archived at the end of each of the last 12 months, oldest first.</summary>
    public List<StorageMonth> Growth { get; init; } = [];
}

/// <summary>One line of a storage report.</summary>
public record StorageLine
{
    /// <summary>The team, stage or model.</summary>
    public string Key { get; init; } = "";
    /// <summary>Bytes in the primary store.</summary>
    public long StoredBytes { get; init; }
    /// <summary>Bytes in the archive tier.</summary>
    public long ArchivedBytes { get; init; }
    /// <summary>Bytes deleted by retention.</summary>
    public long DeletedBytes { get; init; }
    /// <summary>Projected monthly cost from the configured prices.</summary>
    public decimal MonthlyCost { get; init; }
}

/// <summary>Bytes at the end of a month.</summary>
public record StorageMonth
{
    /// <summary>yyyy-MM.</summary>
    public string Month { get; init; } = "";
    /// <summary>Bytes in the primary store.</summary>
    public long StoredBytes { get; init; }
    /// <summary>Bytes in the archive tier.</summary>
    public long ArchivedBytes { get; init; }
    /// <summary>Bytes deleted by retention.</summary>
    public long DeletedBytes { get; init; }
}
