namespace ModelRegistry.Promotion.Rules;

/// <summary>Which evaluation of a suite counts: the one the registry received last (docs/promotion.md, "Which evaluation counts").</summary>
public static class LatestEvaluations
{
    /// <summary>
    /// The latest received evaluation of each suite: the greatest <see cref="EvaluationSummary.Received"/>, and on equal
    /// numbers the later one in the list. The publisher's <see cref="EvaluationSummary.EvaluatedAt"/> is never consulted:
    /// it is a claim, and one dated 9999-12-31 would otherwise win every later gate.
    /// </summary>
    public static IReadOnlyDictionary<string, EvaluationSummary> PerSuite(IEnumerable<EvaluationSummary> evaluations)
    {
        ArgumentNullException.ThrowIfNull(evaluations);
        var latest = new Dictionary<string, EvaluationSummary>(StringComparer.Ordinal);
        foreach (var e in evaluations)
        {
            if (!latest.TryGetValue(e.Suite, out var seen) || e.Received >= seen.Received) latest[e.Suite] = e;
        }
        return latest;
    }
}
