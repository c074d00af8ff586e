namespace ModelRegistry.Deployments.Rules;

/// <summary>
/// An endpoint's history as a pure function of the set of its distinct events: sorted by event time (then kind, then
/// key, so ties are decided the same way whatever the arrival order), folded one by one. Events arriving twice or out
/// of order therefore give the history they would in order once (docs/deployments.md, "History").
/// </summary>
public static class DeploymentHistory
{
    /// <summary>The prefix of the deployment id of an interval an inventory report opened.</summary>
    public const string ObservedPrefix = "observed:";

    public static IReadOnlyList<HistoryInterval> Build(IEnumerable<DeploymentFact> facts)
    {
        ArgumentNullException.ThrowIfNull(facts);
        var state = new Fold();
        foreach (var fact in Order(facts.DistinctBy(f => f.Key))) state.Apply(fact);
        return state.Intervals();
    }

    /// <summary>The order the fold reads events in: event time, then kind (a deploy before an undeploy at the same instant), then key.</summary>
    public static IEnumerable<DeploymentFact> Order(IEnumerable<DeploymentFact> facts) =>
        facts.OrderBy(f => f.At.UtcTicks).ThenBy(f => f.Kind).ThenBy(f => f.Key, StringComparer.Ordinal);

    /// <summary>The intervals still open after <paramref name="facts"/>, i.e. what serves now as far as the events say.</summary>
    public static IReadOnlyList<HistoryInterval> Open(IEnumerable<DeploymentFact> facts) => Build(facts).Where(i => i.To is null).ToList();

    /// <summary>
    /// Whether an inventory report would change the open intervals <paramref name="open"/>: if not, the heartbeat need
    /// not be stored (it is a no-op in the fold at its place).
    /// </summary>
    public static bool InventoryChanges(IReadOnlyList<HistoryInterval> open, IReadOnlyList<ServedShare> served)
    {
        ArgumentNullException.ThrowIfNull(open);
        ArgumentNullException.ThrowIfNull(served);
        foreach (var interval in open)
            if (interval.Digest is { } digest && served.All(s => s.Digest != digest)) return true;
        foreach (var share in served)
        {
            var match = open.FirstOrDefault(i => i.Digest == share.Digest);
            if (match is null) return true;
            if (match.Source == IntervalSources.Observed && match.Traffic != share.Traffic) return true;
        }
        return false;
    }

    private sealed class Fold
    {
        private readonly List<HistoryInterval> closed = [];
        private readonly SortedDictionary<string, HistoryInterval> open = new(StringComparer.Ordinal);

        public void Apply(DeploymentFact f)
        {
            switch (f.Kind)
            {
                case DeploymentEventKind.Deployed:
                    Deploy(f);
                    break;
                case DeploymentEventKind.Undeployed:
                    Close(f.DeploymentId, f.At, ClosedBy.Undeployed);
                    break;
                case DeploymentEventKind.Failed:
                    Close(f.DeploymentId, f.At, ClosedBy.Failed);
                    break;
                case DeploymentEventKind.Inventory:
                    Reconcile(f.At, f.Served ?? []);
                    break;
            }
        }

        private void Deploy(DeploymentFact f)
        {
            var traffic = f.Traffic ?? 0;
            if (open.TryGetValue(f.DeploymentId, out var current))
            {
                if (SameArtifact(current, f.ModelName, f.Version, f.Digest) && current.Traffic == traffic) return;
                Close(f.DeploymentId, f.At, ClosedBy.Replaced);
            }
            // What the platform now reports itself replaces what a heartbeat had observed.
            if (f.Digest is { } digest) Close(ObservedPrefix + digest, f.At, ClosedBy.Reported);
            open[f.DeploymentId] = new HistoryInterval(f.DeploymentId, f.ModelName, f.Version, f.Digest, traffic, f.At, null,
                IntervalSources.Reported, null);
        }

        private void Reconcile(DateTimeOffset at, IReadOnlyList<ServedShare> served)
        {
            foreach (var (id, interval) in open.ToList())
                if (interval.Digest is { } digest && served.All(s => s.Digest != digest)) Close(id, at, ClosedBy.Inventory);
            foreach (var share in served.OrderBy(s => s.Digest, StringComparer.Ordinal))
            {
                var match = open.Values.FirstOrDefault(i => i.Digest == share.Digest);
                if (match is not null && (match.Source == IntervalSources.Reported || match.Traffic == share.Traffic)) continue;
                if (match is not null) Close(match.DeploymentId, at, ClosedBy.Inventory);
                open[ObservedPrefix + share.Digest] = new HistoryInterval(ObservedPrefix + share.Digest, null, null, share.Digest,
                    share.Traffic, at, null, IntervalSources.Observed, null);
            }
        }

        private void Close(string deploymentId, DateTimeOffset at, string why)
        {
            if (!open.Remove(deploymentId, out var interval)) return;
            // [t, t) serves nothing: an interval opened and closed at one instant is no history.
            if (at > interval.From) closed.Add(interval with { To = at, ClosedBy = why });
        }

        public List<HistoryInterval> Intervals() =>
            closed.Concat(open.Values)
                .OrderBy(i => i.From.UtcTicks).ThenBy(i => i.DeploymentId, StringComparer.Ordinal).ThenBy(i => i.To?.UtcTicks ?? long.MaxValue)
                .ToList();

        private static bool SameArtifact(HistoryInterval i, string? name, int? version, string? digest) =>
            i.Digest is not null || digest is not null ? i.Digest == digest : i.ModelName == name && i.Version == version;
    }
}
