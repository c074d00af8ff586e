namespace ModelRegistry.Retention.Rules;

/// <summary>What an action does once re-checked: go ahead (with the plan's action), or skip, kept by <see cref="KeptBy"/>.</summary>
public sealed record RecheckDecision(PlannedAction? Action, string? KeptBy, VersionFacts? Version)
{
    public bool Proceed => Action is not null;
}

/// <summary>
/// The re-check of one archive or delete action at the moment it runs (docs/retention.md): the same
/// <see cref="RetentionPlanner"/> over the facts of the versions that could keep the version (its closure), and the action
/// goes ahead only if the plan still gives the version that action. A state that makes the action moot is the skip reason.
/// </summary>
public static class RetentionRecheck
{
    /// <summary>The version is in the primary store no longer: archived, or being deleted.</summary>
    public const string AlreadyArchived = "already_archived";

    /// <summary>Its archived bytes are deleted already (tombstones say when and why).</summary>
    public const string AlreadyDeleted = "already_deleted";

    /// <summary>A delete action for a version whose bytes were never archived.</summary>
    public const string NotArchived = "not_archived";

    /// <summary>The version is not in the registry.</summary>
    public const string UnknownVersion = "unknown_version";

    /// <summary>The plan neither acts on the version nor names a reason (cannot happen with the planner as it is; a guard).</summary>
    public const string NotPlanned = "not_planned";

    public static RecheckDecision Archive(IReadOnlyList<VersionFacts> closure, RetentionPolicy policy, DateTimeOffset now, Guid versionId)
    {
        ArgumentNullException.ThrowIfNull(closure);
        var version = closure.FirstOrDefault(v => v.VersionId == versionId);
        if (version is null) return new(null, UnknownVersion, null);
        if (version.State == RetentionState.Deleted) return new(null, AlreadyDeleted, version);
        if (version.State != RetentionState.Stored) return new(null, AlreadyArchived, version);
        var plan = RetentionPlanner.Plan(closure, policy, now);
        return plan.Archive.FirstOrDefault(a => a.VersionId == versionId) is { } action
            ? new(action, null, version)
            : new(null, plan.KeptReasonOf(versionId) ?? NotPlanned, version);
    }

    /// <summary>A delete of a version in state deleting is not decided again: <see cref="Resumes"/> says so first.</summary>
    public static RecheckDecision Delete(IReadOnlyList<VersionFacts> closure, RetentionPolicy policy, DateTimeOffset now, Guid versionId)
    {
        ArgumentNullException.ThrowIfNull(closure);
        var version = closure.FirstOrDefault(v => v.VersionId == versionId);
        if (version is null) return new(null, UnknownVersion, null);
        if (version.State == RetentionState.Deleted) return new(null, AlreadyDeleted, version);
        if (version.State == RetentionState.Stored) return new(null, NotArchived, version);
        var plan = RetentionPlanner.Plan(closure, policy, now);
        if (plan.Delete.FirstOrDefault(a => a.VersionId == versionId) is not { } action)
            return new(null, plan.KeptReasonOf(versionId) ?? NotPlanned, version);
        // Deleting an object takes it from every version referencing it: each of them must be deletable now too. The
        // planner's blocking guarantees it; checked here so that a future change to the planner cannot delete kept bytes.
        foreach (var sharer in SharingComponent(closure, versionId))
            if (sharer.VersionId != versionId && sharer.State != RetentionState.Deleting && !plan.Delete.Any(a => a.VersionId == sharer.VersionId))
                return new(null, KeepReasons.Rules.Contains(plan.KeptReasonOf(sharer.VersionId)) ? KeepReasons.SharesBytes : KeepReasons.SharesBytesNotDue, version);
        return new(action, null, version);
    }

    /// <summary>True when the version's deletion was decided before (state deleting): the action finishes it without deciding again.</summary>
    public static bool Resumes(IReadOnlyList<VersionFacts> closure, Guid versionId) =>
        closure?.FirstOrDefault(v => v.VersionId == versionId)?.State == RetentionState.Deleting;

    /// <summary>
    /// The version and every version not yet deleted that shares an object with it, repeatedly: deleting the version's objects
    /// deletes theirs, so the set is decided, deleted and tombstoned together. Ordered by version id.
    /// </summary>
    public static IReadOnlyList<VersionFacts> SharingComponent(IReadOnlyList<VersionFacts> versions, Guid versionId)
    {
        ArgumentNullException.ThrowIfNull(versions);
        var live = versions.Where(v => v.State != RetentionState.Deleted || v.VersionId == versionId).ToList();
        var byObject = new Dictionary<string, List<VersionFacts>>(StringComparer.Ordinal);
        foreach (var v in live)
            foreach (var o in v.Objects)
            {
                if (!byObject.TryGetValue(o.Sha256, out var list)) byObject[o.Sha256] = list = [];
                list.Add(v);
            }
        var start = live.FirstOrDefault(v => v.VersionId == versionId);
        if (start is null) return [];
        var seen = new HashSet<Guid> { versionId };
        var queue = new Queue<VersionFacts>([start]);
        var component = new List<VersionFacts>();
        while (queue.TryDequeue(out var v))
        {
            component.Add(v);
            foreach (var o in v.Objects)
                foreach (var s in byObject[o.Sha256])
                    if (seen.Add(s.VersionId)) queue.Enqueue(s);
        }
        return component.OrderBy(v => v.VersionId).ToList();
    }

    /// <summary>Each object of <paramref name="versions"/> once, in SHA-256 order (the order locks are taken in).</summary>
    public static IReadOnlyList<ObjectRef> DistinctObjects(IEnumerable<VersionFacts> versions) =>
        (versions ?? throw new ArgumentNullException(nameof(versions)))
        .SelectMany(v => v.Objects).DistinctBy(o => o.Sha256).OrderBy(o => o.Sha256, StringComparer.Ordinal).ToList();
}
