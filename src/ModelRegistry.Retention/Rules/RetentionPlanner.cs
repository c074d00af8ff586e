namespace ModelRegistry.Retention.Rules;

/// <summary>
/// The retention decision, a pure function of the registry's facts, the policy and the time (docs/retention.md):
/// <list type="number">
/// <item>each version's own reason to be kept: a keep rule (production, serving, open promotion, legal hold), or, for a
/// version whose bytes are still in the primary store, a reason the policy does not select it (no rule, beyond staging,
/// too recent, among the newest);</item>
/// <item>kept spreads: to the base of a kept version (transitively, on through deleted versions) and to every version
/// that is not deleted and shares an object with a kept one, until nothing changes;</item>
/// <item>a stored version not kept is archived by its rule;</item>
/// <item>an archived version not kept whose rule's deleteAfterDays have passed since it was archived is deleted, unless
/// it shares an object with a version that is not itself deleted or deletable now (that version's bytes would go too).</item>
/// </list>
/// The plan does not depend on the order of the facts (it takes them by model name, version number and id). The same
/// function re-checks each action when it runs, over the facts of the versions that could keep it
/// (RetentionFactsQuery.ClosureOf), so a keep rule that starts to hold between plan and action wins.
/// </summary>
public static class RetentionPlanner
{
    public static RetentionPlan Plan(IReadOnlyList<VersionFacts> versions, RetentionPolicy policy, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(versions);
        ArgumentNullException.ThrowIfNull(policy);
        versions = InCanonicalOrder(versions);
        var n = versions.Count;
        var index = new Dictionary<Guid, int>(n);
        for (var i = 0; i < n; i++) index[versions[i].VersionId] = i;
        var sharers = ObjectSharers(versions, out var objectsOf, out var objectSizes);

        var rules = new RetentionRule?[n];
        var reason = new string?[n];
        var queue = new Queue<int>();
        for (var i = 0; i < n; i++)
        {
            var v = versions[i];
            rules[i] = policy.RuleFor(v.OwnerTeam, v.ModelTags);
            reason[i] = OwnReason(v, rules[i], now);
            if (reason[i] is not null) queue.Enqueue(i);
        }
        Spread(versions, index, sharers, objectsOf, reason, queue);

        var archive = new List<PlannedAction>();
        var kept = new List<KeptVersion>();
        var deleteCandidate = new bool[n];
        var archivedObject = new bool[objectSizes.Length];
        for (var i = 0; i < n; i++)
        {
            var v = versions[i];
            if (v.State is RetentionState.Archived or RetentionState.Deleting)
                foreach (var o in objectsOf[i]) archivedObject[o] = true;
        }
        for (var i = 0; i < n; i++)
        {
            var v = versions[i];
            if (v.State == RetentionState.Deleted) continue;
            if (reason[i] is { } why)
            {
                kept.Add(new(v.VersionId, v.ModelName, v.Version, why));
                continue;
            }
            if (v.State == RetentionState.Stored)
            {
                long bytes = 0;
                foreach (var o in objectsOf[i])
                {
                    if (archivedObject[o]) continue;
                    archivedObject[o] = true;
                    bytes += objectSizes[o];
                }
                archive.Add(new(v.VersionId, v.ModelName, v.Version, PlannedAction.Archive, rules[i]!.Name, bytes));
            }
            else if (v.State == RetentionState.Deleting || DeleteDue(v, rules[i], now)) deleteCandidate[i] = true;
        }

        var blocked = BlockShared(versions, sharers, objectsOf, deleteCandidate);
        var delete = new List<PlannedAction>();
        var deletedObject = new bool[objectSizes.Length];
        for (var i = 0; i < n; i++)
        {
            var v = versions[i];
            if (v.State is RetentionState.Stored or RetentionState.Deleted || reason[i] is not null) continue;
            if (!deleteCandidate[i])
            {
                kept.Add(new(v.VersionId, v.ModelName, v.Version, KeepReasons.DeleteNotDue));
                continue;
            }
            if (blocked[i])
            {
                kept.Add(new(v.VersionId, v.ModelName, v.Version, KeepReasons.SharesBytesNotDue));
                continue;
            }
            long bytes = 0;
            foreach (var o in objectsOf[i])
            {
                if (deletedObject[o]) continue;
                deletedObject[o] = true;
                bytes += objectSizes[o];
            }
            delete.Add(new(v.VersionId, v.ModelName, v.Version, PlannedAction.Delete, rules[i]?.Name ?? "resume", bytes));
        }
        return new(archive, delete, kept);
    }

    /// <summary>The version's own reason to be kept, before spreading; null: the policy would act on it.</summary>
    public static string? OwnReason(VersionFacts v, RetentionRule? rule, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(v);
        if (v.EverProduction) return KeepReasons.Production;
        if (v.ServingNow) return KeepReasons.Serving;
        if (v.OpenPromotion) return KeepReasons.OpenPromotion;
        if (v.Held) return KeepReasons.LegalHold;
        if (v.State != RetentionState.Stored) return null;
        if (rule is null) return KeepReasons.NoRule;
        if (v.EverBeyondStaging) return KeepReasons.BeyondStaging;
        if (v.RegisteredAt > now.AddDays(-rule.ArchiveAfterDays)) return KeepReasons.TooRecent;
        if (v.NewestRank <= rule.KeepNewest) return KeepReasons.Newest;
        return null;
    }

    private static bool DeleteDue(VersionFacts v, RetentionRule? rule, DateTimeOffset now) =>
        v.State == RetentionState.Archived && rule?.DeleteAfterDays is { } days && v.ArchivedAt is { } at && at.AddDays(days) <= now;

    // Kept spreads to the base of a kept version and to every version sharing an object with one. A deleted version's
    // own keep rule still spreads (its base and sharers are what is left of what it was), and a base chain runs on
    // through a deleted version to its own base (a kept version's bases are kept however far down the chain); sharing
    // does not spread to a deleted version, whose bytes are gone.
    private static void Spread(IReadOnlyList<VersionFacts> versions, Dictionary<Guid, int> index, int[][] sharers, int[][] objectsOf,
        string?[] reason, Queue<int> queue)
    {
        while (queue.TryDequeue(out var i))
        {
            if (versions[i].BaseVersionId is { } baseId && index.TryGetValue(baseId, out var b) && reason[b] is null)
            {
                reason[b] = KeepReasons.BaseOfKept;
                queue.Enqueue(b);
            }
            foreach (var o in objectsOf[i])
                foreach (var s in sharers[o])
                {
                    if (reason[s] is not null || versions[s].State == RetentionState.Deleted) continue;
                    reason[s] = KeepReasons.SharesBytes;
                    queue.Enqueue(s);
                }
        }
    }

    // A delete candidate whose object is also referenced by a version that is neither deleted nor a delete candidate
    // (itself not blocked) must wait: deleting the object would take that version's bytes too.
    private static bool[] BlockShared(IReadOnlyList<VersionFacts> versions, int[][] sharers, int[][] objectsOf, bool[] candidate)
    {
        var n = versions.Count;
        var blocked = new bool[n];
        var queue = new Queue<int>();
        for (var i = 0; i < n; i++)
            if (!candidate[i] && versions[i].State != RetentionState.Deleted) queue.Enqueue(i);
        while (queue.TryDequeue(out var i))
            foreach (var o in objectsOf[i])
                foreach (var s in sharers[o])
                {
                    if (!candidate[s] || blocked[s]) continue;
                    blocked[s] = true;
                    queue.Enqueue(s);
                }
        return blocked;
    }

    // The plan must not depend on the order the facts come in: bytes count on the first action that frees them, and
    // the reason a version is kept is the first that reaches it. Model name, version number, then id (the facts query
    // reads them so, but its collation need not be ordinal).
    private static IReadOnlyList<VersionFacts> InCanonicalOrder(IReadOnlyList<VersionFacts> versions)
    {
        for (var i = 1; i < versions.Count; i++)
        {
            if (Compare(versions[i - 1], versions[i]) <= 0) continue;
            var sorted = versions.ToArray();
            Array.Sort(sorted, Compare);
            return sorted;
        }
        return versions;
    }

    private static int Compare(VersionFacts a, VersionFacts b)
    {
        var byName = string.CompareOrdinal(a.ModelName, b.ModelName);
        if (byName != 0) return byName;
        return a.Version != b.Version ? a.Version.CompareTo(b.Version) : a.VersionId.CompareTo(b.VersionId);
    }

    // Interns each object's SHA-256 and lists, per object, the versions that reference it.
    private static int[][] ObjectSharers(IReadOnlyList<VersionFacts> versions, out int[][] objectsOf, out long[] sizes)
    {
        var ids = new Dictionary<string, int>(versions.Count, StringComparer.Ordinal);
        var sizeList = new List<long>(versions.Count);
        var counts = new List<int>(versions.Count);
        objectsOf = new int[versions.Count][];
        for (var i = 0; i < versions.Count; i++)
        {
            var objects = versions[i].Objects;
            var mine = new List<int>(objects.Count);
            foreach (var o in objects)
            {
                if (!ids.TryGetValue(o.Sha256, out var id))
                {
                    id = ids.Count;
                    ids.Add(o.Sha256, id);
                    sizeList.Add(o.Size);
                    counts.Add(0);
                }
                if (mine.Contains(id)) continue;
                mine.Add(id);
                counts[id]++;
            }
            objectsOf[i] = [.. mine];
        }
        var sharers = new int[ids.Count][];
        for (var o = 0; o < sharers.Length; o++) sharers[o] = new int[counts[o]];
        var filled = new int[ids.Count];
        for (var i = 0; i < objectsOf.Length; i++)
            foreach (var o in objectsOf[i]) sharers[o][filled[o]++] = i;
        sizes = [.. sizeList];
        return sharers;
    }
}
