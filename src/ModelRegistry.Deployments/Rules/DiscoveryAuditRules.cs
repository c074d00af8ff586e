namespace ModelRegistry.Deployments.Rules;

/// <summary>An endpoint as the discovery audit sees it: when it was last heard from, and how many intervals are open on it.</summary>
public sealed record EndpointFact(string EndpointId, string Environment, DateTimeOffset LastEventAt, DateTimeOffset? LastReportedAt, int Serving);

/// <summary>A finding list: the first <see cref="DiscoveryAuditRules.MaxListed"/> entries, and how many there are in all.</summary>
public sealed record Findings<T>(IReadOnlyList<T> Listed, int Count);

/// <summary>The discovery audit's pure selections (docs/deployments.md, "Discovery audit").</summary>
public static class DiscoveryAuditRules
{
    /// <summary>Each list in DiscoveryAuditCompleted is bounded; its count is complete.</summary>
    public const int MaxListed = 100;

    /// <summary>The latest moment the endpoint was heard from: its latest event or heartbeat.</summary>
    public static DateTimeOffset LastHeard(EndpointFact endpoint)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        return endpoint.LastReportedAt is { } reported && reported > endpoint.LastEventAt ? reported : endpoint.LastEventAt;
    }

    /// <summary>
    /// Silent: it still serves something by its history, and has sent nothing for longer than <paramref name="after"/>.
    /// An endpoint whose history ends with nothing serving was taken down, not silenced.
    /// </summary>
    public static bool IsSilent(EndpointFact endpoint, DateTimeOffset now, TimeSpan after) =>
        endpoint.Serving > 0 && now - LastHeard(endpoint) > after;

    /// <summary>The silent endpoints, longest silent first (ties by id).</summary>
    public static Findings<string> SilentEndpoints(IEnumerable<EndpointFact> endpoints, DateTimeOffset now, TimeSpan after) =>
        Bounded(endpoints.Where(e => IsSilent(e, now, after))
            .OrderBy(LastHeard).ThenBy(e => e.EndpointId, StringComparer.Ordinal).Select(e => e.EndpointId));

    /// <summary>The first <see cref="MaxListed"/> of <paramref name="items"/> in their order, and the count of all.</summary>
    public static Findings<T> Bounded<T>(IEnumerable<T> items)
    {
        var all = items.ToList();
        return new Findings<T>(all.Take(MaxListed).ToList(), all.Count);
    }
}
