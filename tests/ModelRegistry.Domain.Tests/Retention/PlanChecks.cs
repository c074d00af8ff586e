using ModelRegistry.Retention.Rules;

namespace ModelRegistry.Domain.Tests.Retention;

/// <summary>What the planner's properties compute on their own, without the planner: keep sets, closures, a plan carried out.</summary>
internal static class PlanChecks
{
    public static bool HasOwnKeepRule(VersionFacts v) => v.EverProduction || v.ServingNow || v.OpenPromotion || v.Held;

    /// <summary>Every version that must stay after <paramref name="plan"/>, with why (see the keep-rule property).</summary>
    public static Dictionary<Guid, string> MustStay(IReadOnlyList<VersionFacts> versions, RetentionPlan plan)
    {
        var byId = versions.ToDictionary(v => v.VersionId);
        var archived = plan.Archive.Select(a => a.VersionId).ToHashSet();
        var stay = new Dictionary<Guid, string>();
        var queue = new Queue<VersionFacts>();
        foreach (var v in versions)
        {
            var why = v.State != RetentionState.Deleted && HasOwnKeepRule(v) ? "own keep rule"
                : v.State == RetentionState.Stored && !archived.Contains(v.VersionId) ? "left in the primary store"
                : null;
            if (why is null) continue;
            stay[v.VersionId] = why;
            queue.Enqueue(v);
        }
        while (queue.TryDequeue(out var v))
        {
            if (v.BaseVersionId is { } b && byId.TryGetValue(b, out var baseVersion) && stay.TryAdd(b, $"base of {GeneratedRegistry.IdOf(v.VersionId)}"))
                queue.Enqueue(baseVersion);
            if (v.State == RetentionState.Deleted) continue;
            foreach (var s in versions)
                if (s.State != RetentionState.Deleted && s.Objects.Any(o => v.Objects.Any(p => p.Sha256 == o.Sha256))
                    && stay.TryAdd(s.VersionId, $"shares an object with {GeneratedRegistry.IdOf(v.VersionId)}"))
                    queue.Enqueue(s);
        }
        // Deleted versions are on the way of a chain but nothing is done to them.
        foreach (var v in versions.Where(v => v.State == RetentionState.Deleted)) stay.Remove(v.VersionId);
        return stay;
    }

    /// <summary>The version and, repeatedly, the versions built on one in the set and those sharing an object with one (RetentionFactsQuery's ClosureScope).</summary>
    public static List<VersionFacts> Closure(IReadOnlyList<VersionFacts> versions, Guid versionId)
    {
        var inside = new HashSet<Guid> { versionId };
        for (var grew = true; grew;)
        {
            grew = false;
            var shas = versions.Where(v => inside.Contains(v.VersionId)).SelectMany(v => v.Objects).Select(o => o.Sha256).ToHashSet();
            foreach (var v in versions)
                if (!inside.Contains(v.VersionId)
                    && ((v.BaseVersionId is { } b && inside.Contains(b)) || v.Objects.Any(o => shas.Contains(o.Sha256))))
                    grew |= inside.Add(v.VersionId);
        }
        return versions.Where(v => inside.Contains(v.VersionId)).ToList();
    }

    /// <summary>The facts after the plan is carried out at <paramref name="now"/>: archived versions archived now, deleted ones deleted.</summary>
    public static List<VersionFacts> Apply(IReadOnlyList<VersionFacts> versions, RetentionPlan plan, DateTimeOffset now)
    {
        var archive = plan.Archive.Select(a => a.VersionId).ToHashSet();
        var delete = plan.Delete.Select(a => a.VersionId).ToHashSet();
        return versions.Select(v => archive.Contains(v.VersionId) ? v with { State = RetentionState.Archived, ArchivedAt = now }
            : delete.Contains(v.VersionId) ? v with { State = RetentionState.Deleted }
            : v).ToList();
    }
}
