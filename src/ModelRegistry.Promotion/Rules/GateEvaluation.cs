using System.Globalization;
using ModelRegistry.Platform;
using ModelRegistry.Platform.Rules;

namespace ModelRegistry.Promotion.Rules;

/// <summary>Checks a stage's evaluation gates against the evaluations of a version.</summary>
public static class GateEvaluation
{
    /// <summary>
    /// Uses only the latest received evaluation of each required suite (<see cref="LatestEvaluations.PerSuite"/>: a re-run
    /// replaces a failed run, whatever evaluatedAt either claims); evaluations of other suites are ignored. A failure is reported as soon as the suite it reads is present, even while others are missing.
    /// </summary>
    public static GateResult Evaluate(StagePolicy policy, IReadOnlyList<EvaluationSummary> evaluations)
    {
        ArgumentNullException.ThrowIfNull(policy);
        ArgumentNullException.ThrowIfNull(evaluations);
        var gates = policy.Gates;
        var latest = LatestEvaluations.PerSuite(evaluations.Where(e => gates.RequiredSuites.Contains(e.Suite, StringComparer.Ordinal)));
        var missing = gates.RequiredSuites.Where(s => !latest.ContainsKey(s)).ToList();
        var failed = new List<GateFailure>();

        foreach (var gate in gates.Metrics)
        {
            if (!latest.TryGetValue(gate.Suite, out var e)) continue;
            var wanted = $"{(gate.Direction == MetricDirection.AtLeast ? "at least" : "at most")} {Show(gate.Threshold)}";
            if (!e.Metrics.TryGetValue(gate.Name, out var value))
                failed.Add(new("metric", $"{gate.Suite}/{gate.Name}: must be {wanted}, but the suite's latest evaluation did not report it"));
            else if (!(gate.Direction == MetricDirection.AtLeast ? value >= gate.Threshold : value <= gate.Threshold))
                failed.Add(new("metric", $"{gate.Suite}/{gate.Name}: must be {wanted}, was {Show(value)}"));
        }

        foreach (var limit in gates.Bias)
        {
            var reported = latest.Values.OrderBy(e => e.Suite, StringComparer.Ordinal)
                .SelectMany(e => e.Bias.Where(b => b.Metric == limit.Metric).Select(b => (e.Suite, b.Value)))
                .ToList();
            foreach (var (suite, value) in reported)
            {
                if (!(Math.Abs(value) <= limit.MaxAbs))
                    failed.Add(new("bias", $"{suite}/{limit.Metric}: |value| must be at most {Show(limit.MaxAbs)}, was {Show(value)}"));
            }
            // A limit nobody measured does not pass; while suites are missing it may still come.
            if (reported.Count == 0 && missing.Count == 0)
                failed.Add(new("bias", $"{limit.Metric}: must be at most {Show(limit.MaxAbs)} in absolute value, but no required suite reported it"));
        }

        if (gates.MaxFindingSeverity is { } max)
        {
            var allowed = Rank(max);
            foreach (var e in latest.Values.OrderBy(e => e.Suite, StringComparer.Ordinal))
            {
                // An unknown severity is treated as worse than critical: a gate never passes on what it cannot read.
                if (Rank(e.MaxFindingSeverity) is var rank && (rank < 0 || rank > allowed))
                    failed.Add(new("finding_severity", $"{e.Suite}: findings must be at most '{max}', the worst was '{e.MaxFindingSeverity}'"));
            }
        }
        return new GateResult(missing, failed);
    }

    private static int Rank(string? severity) => FindingSeverities.Rank(severity);

    private static string Show(double value) => value.ToString("R", CultureInfo.InvariantCulture);
}
