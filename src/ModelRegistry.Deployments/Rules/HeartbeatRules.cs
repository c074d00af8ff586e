using System.Globalization;
using System.Text;

namespace ModelRegistry.Deployments.Rules;

/// <summary>What a heartbeat asks of the store: only the endpoint's last-reported time (touch), or an event of the history (record).</summary>
public enum HeartbeatAction
{
    Touch,
    Record,
}

/// <summary>
/// The endpoint as the inventory consumer loads it for a batch: its environment, what is open in its history (and which
/// of those digests no registered version has), the time of its latest stored event and its last-reported time.
/// </summary>
public sealed record EndpointInventoryState(
    string Environment,
    IReadOnlyList<HistoryInterval> Open,
    IReadOnlySet<string> UnregisteredDigests,
    DateTimeOffset? LastStoredEventAt,
    DateTimeOffset? LastReportedAt);

/// <summary>A heartbeat the inventory cache remembers: its signature, the last-reported time written for it, and when.</summary>
public sealed record CachedInventory(string Signature, DateTimeOffset LastWrittenAt, DateTimeOffset CachedAt);

/// <summary>
/// The pure decisions of heartbeat ingestion (docs/deployments.md, "Inventory (heartbeats) and shadow models"): which
/// heartbeat changes the history, which costs nothing, and how often an unchanged one moves the last-reported time.
/// </summary>
public static class HeartbeatRules
{
    /// <summary>
    /// Record when the heartbeat would change the history: an endpoint not known yet that serves something, a new
    /// environment, a heartbeat not after the endpoint's latest stored event (its place in the fold is not "now", so the
    /// open intervals say nothing about it), or served digests and observed shares other than what is open.
    /// Otherwise touch: the heartbeat is a no-op in the fold at its place.
    /// </summary>
    public static HeartbeatAction Decide(EndpointInventoryState? state, DeploymentInput heartbeat)
    {
        ArgumentNullException.ThrowIfNull(heartbeat);
        var served = heartbeat.Served ?? [];
        if (state is null) return served.Count > 0 ? HeartbeatAction.Record : HeartbeatAction.Touch;
        if (!string.Equals(state.Environment, heartbeat.Environment, StringComparison.Ordinal)) return HeartbeatAction.Record;
        if (state.LastStoredEventAt is { } last && heartbeat.At <= last) return HeartbeatAction.Record;
        return DeploymentHistory.InventoryChanges(state.Open, served) ? HeartbeatAction.Record : HeartbeatAction.Touch;
    }

    /// <summary>What makes two heartbeats of one endpoint the same for the history: the environment and each digest with its share.</summary>
    public static string Signature(DeploymentInput heartbeat)
    {
        ArgumentNullException.ThrowIfNull(heartbeat);
        var text = new StringBuilder(heartbeat.Environment).Append('\n');
        foreach (var s in (heartbeat.Served ?? []).OrderBy(s => s.Digest, StringComparer.Ordinal))
            text.Append(s.Digest).Append('=').Append(s.Traffic.ToString("R", CultureInfo.InvariantCulture)).Append(';');
        return text.ToString();
    }

    /// <summary>
    /// Whether a heartbeat needs nothing at all, not even a read: the cache holds the same signature, written less than
    /// <paramref name="granularity"/> before the heartbeat's time, and cached less than <paramref name="granularity"/>
    /// ago (another host may have changed the history since; an entry that old is read again). Zero: never.
    /// </summary>
    public static bool CanSkip(CachedInventory? cached, string signature, DateTimeOffset reportedAt, DateTimeOffset now, TimeSpan granularity) =>
        cached is not null
        && string.Equals(cached.Signature, signature, StringComparison.Ordinal)
        && now - cached.CachedAt < granularity
        && reportedAt >= cached.LastWrittenAt
        && reportedAt - cached.LastWrittenAt < granularity;

    /// <summary>
    /// The endpoint's last-reported time after an unchanged heartbeat at <paramref name="reportedAt"/>: moved only when it
    /// is later by at least <paramref name="granularity"/> (the same condition the touch statement has), so an endpoint
    /// heartbeating every few seconds costs one row write per granularity.
    /// </summary>
    public static DateTimeOffset LastReportedAfterTouch(DateTimeOffset? stored, DateTimeOffset reportedAt, TimeSpan granularity) =>
        stored is { } last && (reportedAt <= last || reportedAt - last < granularity) ? last : reportedAt;
}
