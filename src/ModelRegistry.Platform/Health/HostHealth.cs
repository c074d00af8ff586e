namespace ModelRegistry.Platform;

/// <summary>What one health check saw.</summary>
public sealed record HealthObservation(
    bool BrokerReachable,
    bool DatabaseReachable,
    string? BusProblem,
    IReadOnlyList<QueueState> Queues,
    DateTimeOffset? RelayFailingSince,
    string? RelayError,
    string? CheckpointProblem = null);

/// <summary>The host's state as it reports it: <c>consuming</c>, <c>degraded</c> (consuming, but the last audit checkpoint
/// failed), <c>waiting-for-broker</c>, <c>waiting-for-database</c> or <c>stalled</c>.</summary>
public sealed record HostHealthState(string Status, string Detail, DateTimeOffset Since, DateTimeOffset? StalledSince)
{
    public const string Starting = "starting", Consuming = "consuming", WaitingForBroker = "waiting-for-broker",
        WaitingForDatabase = "waiting-for-database", Stalled = "stalled", Degraded = "degraded";

    public static HostHealthState Initial(DateTimeOffset now) => new(Starting, "", now, null);
}

/// <summary>
/// The watchdog's decision, without I/O. A service that is down is waited for (the bus and the relay
/// reconnect by themselves when it is back, and a fresh process could not start either); a bus that
/// does not consume while the broker answers, or a relay that fails while both services answer, is
/// stalled, and stalled for longer than the limit means the process must be replaced.
/// </summary>
public static class HostHealth
{
    public static HostHealthState Next(HostHealthState previous, HealthObservation seen, DateTimeOffset now)
    {
        var (status, detail) = Classify(seen);
        // Counted from the first check that saw it with the services answering: a relay that failed through a database
        // outage is not stalled for the outage's length the moment the database is back.
        var stalledSince = status == HostHealthState.Stalled ? previous.StalledSince ?? now : (DateTimeOffset?)null;
        var since = status == previous.Status ? previous.Since : now;
        return new HostHealthState(status, detail, since, stalledSince);
    }

    public static bool MustExit(HostHealthState state, DateTimeOffset now, TimeSpan maxStalled) =>
        state.StalledSince is { } since && now - since >= maxStalled;

    private static (string Status, string Detail) Classify(HealthObservation seen)
    {
        if (!seen.BrokerReachable) return (HostHealthState.WaitingForBroker, "the broker does not answer");
        if (seen.BusProblem is not null) return (HostHealthState.Stalled, seen.BusProblem);
        var idle = seen.Queues.Where(q => q.Consumers == 0).Select(q => q.Exists ? q.Queue : q.Queue + " (missing)").ToList();
        if (idle.Count > 0) return (HostHealthState.Stalled, "no consumer on " + string.Join(", ", idle));
        if (!seen.DatabaseReachable) return (HostHealthState.WaitingForDatabase, "the database does not answer");
        if (seen.RelayFailingSince is not null) return (HostHealthState.Stalled, "the outbox relay fails: " + seen.RelayError);
        // Not stalled: a new process would not fix a sink that is missing, and the workers go on.
        if (seen.CheckpointProblem is not null) return (HostHealthState.Degraded, "the audit checkpoint fails: " + seen.CheckpointProblem);
        return (HostHealthState.Consuming, "");
    }
}
