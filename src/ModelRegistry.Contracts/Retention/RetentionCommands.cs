using MassTransit;

namespace ModelRegistry.Contracts.Retention;

/// <summary>
/// Command (<c>mreg retention run</c>, and the retention worker's own Quartz schedule): plan a retention sweep over the
/// whole registry with the configured policy and carry it out, one <see cref="ArchiveModelVersion"/> or
/// <see cref="DeleteArchivedArtifact"/> per action, and prune the registry's own tables (docs/retention.md). Answered with
/// <see cref="RetentionSweepPlanned"/>. A person needs the <c>retention</c> role.
/// </summary>
[EntityName("mreg.run-retention-sweep")]
public record RunRetentionSweep
{
    /// <summary>The sweep's id, chosen by the requester (the schedule derives it from the firing time): the same id again is the same sweep.</summary>
    public Guid SweepId { get; init; }

    /// <summary>Who asked, as the requester names it: information; the registry records the sending principal.</summary>
    public string RequestedBy { get; init; } = "";
}

/// <summary>
/// Internal (published by the retention worker for each archive action of a sweep): move a version's artifact bytes to
/// the archive tier. Handled once per action id; every keep rule is checked again at that moment, so a version kept
/// since the plan (promoted, deployed, held) is skipped with the rule that kept it.
/// </summary>
[EntityName("mreg.archive-model-version")]
public record ArchiveModelVersion
{
    /// <summary>The action's id (derived from the sweep and the version: a sweep planned twice names the same actions).</summary>
    public Guid ActionId { get; init; }

    /// <summary>The sweep that planned it.</summary>
    public Guid SweepId { get; init; }

    /// <summary>The version.</summary>
    public Guid VersionId { get; init; }

    /// <summary>Its model's name (information).</summary>
    public string ModelName { get; init; } = "";

    /// <summary>Its number (information).</summary>
    public int Version { get; init; }

    /// <summary>The policy rule that selected it.</summary>
    public string Rule { get; init; } = "";
}

/// <summary>
/// Internal (published by the retention worker for each delete action of a sweep): delete an archived version's artifact
/// bytes from the archive tier, leaving a tombstone per file. Only when the version is archived, its rule's delay has
/// passed and no kept version references any of its objects, checked again at that moment.
/// </summary>
[EntityName("mreg.delete-archived-artifact")]
public record DeleteArchivedArtifact
{
    /// <summary>The action's id (derived from the sweep and the version).</summary>
    public Guid ActionId { get; init; }

    /// <summary>The sweep that planned it.</summary>
    public Guid SweepId { get; init; }

    /// <summary>The version.</summary>
    public Guid VersionId { get; init; }

    /// <summary>Its model's name (information).</summary>
    public string ModelName { get; init; } = "";

    /// <summary>Its number (information).</summary>
    public int Version { get; init; }

    /// <summary>The policy rule whose delay has passed.</summary>
    public string Rule { get; init; } = "";
}

/// <summary>
/// Command (<c>mreg hold place</c>): keep a model (every version, present and future) or one version from retention,
/// whatever the policy says, until the hold is released. Needs the <c>legal-hold</c> role; the sending principal is
/// recorded as who placed it. Answered with <see cref="LegalHoldChanged"/>.
/// </summary>
[EntityName("mreg.place-legal-hold")]
public record PlaceLegalHold
{
    /// <summary>Chosen by the requester; the same id again is the same request. It also names the hold.</summary>
    public Guid RequestId { get; init; }

    /// <summary>The model.</summary>
    public string ModelName { get; init; } = "";

    /// <summary>The version; absent: the whole model.</summary>
    public int? Version { get; init; }

    /// <summary>Why (1-1,000 characters), e.g. the matter or case number.</summary>
    public string Reason { get; init; } = "";

    /// <summary>Who asked, as the requester names it: information; the registry records the sending principal.</summary>
    public string RequestedBy { get; init; } = "";
}

/// <summary>
/// Command (<c>mreg hold release</c>): release a hold placed earlier. Needs the <c>legal-hold</c> role. Answered with
/// <see cref="LegalHoldChanged"/>.
/// </summary>
[EntityName("mreg.release-legal-hold")]
public record ReleaseLegalHold
{
    /// <summary>Chosen by the requester; the same id again is the same request.</summary>
    public Guid RequestId { get; init; }

    /// <summary>The hold (the request id that placed it).</summary>
    public Guid HoldId { get; init; }

    /// <summary>Why it is released (1-1,000 characters).</summary>
    public string Reason { get; init; } = "";

    /// <summary>Who asked, as the requester names it: information; the registry records the sending principal.</summary>
    public string RequestedBy { get; init; } = "";
}

/// <summary>
/// Internal: the storage report's schedule (a Quartz cron trigger of the retention worker) fired; the worker's queue
/// takes it, once per firing.
/// </summary>
[EntityName("mreg.storage-report-due")]
public record StorageReportDue
{
    /// <summary>The time the schedule was due.</summary>
    public DateTimeOffset ScheduledFor { get; init; }

    /// <summary>When it actually fired.</summary>
    public DateTimeOffset FiredAt { get; init; }
}
