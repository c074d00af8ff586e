using System.Collections.Concurrent;
using ModelRegistry.Deployments.Rules;

namespace ModelRegistry.Deployments;

/// <summary>
/// The last heartbeat written per endpoint, in this process only, so an unchanged heartbeat costs no database round trip
/// (<see cref="HeartbeatRules.CanSkip"/>). An entry is trusted for <c>Deployments:LastReportedGranularity</c> after it was
/// written and no longer: another host, or a deployment event, may have changed the endpoint's history meanwhile, and
/// the next heartbeat after that reads the history again and reconciles it.
/// </summary>
public sealed class InventoryCache(DeploymentsOptions options, TimeProvider clock)
{
    // Endpoints come and go; past this many entries the expired ones are dropped.
    private const int PruneAbove = 100_000;

    private readonly ConcurrentDictionary<string, CachedInventory> entries = new(StringComparer.Ordinal);

    public TimeSpan Granularity => options.LastReportedGranularity;

    public int Count => entries.Count;

    public bool CanSkip(string endpointId, string signature, DateTimeOffset reportedAt) =>
        HeartbeatRules.CanSkip(entries.GetValueOrDefault(endpointId), signature, reportedAt, clock.GetUtcNow(), Granularity);

    public void Remember(string endpointId, string signature, DateTimeOffset lastWrittenAt)
    {
        if (Granularity <= TimeSpan.Zero) return;
        var now = clock.GetUtcNow();
        entries[endpointId] = new CachedInventory(signature, lastWrittenAt, now);
        if (entries.Count > PruneAbove)
            foreach (var (key, entry) in entries)
                if (now - entry.CachedAt >= Granularity) entries.TryRemove(key, out _);
    }

    public void Forget(string endpointId) => entries.TryRemove(endpointId, out _);
}
