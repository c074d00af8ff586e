using System.Globalization;
using ModelRegistry.Contracts.Promotion;
using ModelRegistry.Platform.Rules;
using ModelRegistry.Promotion.Rules;

namespace ModelRegistry.Promotion;

/// <summary>
/// What approvers see in <see cref="ApprovalRequested"/>: the version's lineage, the latest received evaluation of each suite (metrics,
/// bias measurements, security findings) and the gates it passed, against production. Numbers are rounded as
/// <see cref="ShownNumber"/> does, so no float noise reaches a ticket.
/// </summary>
public static class ApprovalEvidence
{
    /// <summary>Most findings listed; <see cref="PromotionEvidence.FindingCounts"/> counts them all.</summary>
    public const int MaxFindings = 50;

    /// <summary>Longest finding title kept.</summary>
    public const int MaxFindingTitleLength = 200;

    public static async Task<PromotionEvidence> ReadAsync(IPromotionStore store, VersionFacts facts, StagePolicy stage,
        IReadOnlyList<EvaluationSummary> evaluations, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(facts);
        ArgumentNullException.ThrowIfNull(stage);
        var latest = Latest(evaluations);
        var metrics = Metrics(latest);
        var stages = await store.StagesAsync(facts.ModelId, null, ct);
        int? production = stages.FirstOrDefault(x => x.Stage == "production")?.Version;
        var deltas = new Dictionary<string, double>();
        var changes = new List<string>();
        if (production is { } p && p != facts.Version
            && await store.FindVersionAsync(facts.ModelName, p, ct) is { } current)
        {
            var theirs = Metrics(Latest(await store.EvaluationsAsync(current.VersionId, ct)));
            foreach (var (key, value) in metrics)
                if (theirs.TryGetValue(key, out var other)) deltas[key] = ShownNumber.Difference(value, other);
            changes.AddRange(LineageChanges(current, facts));
        }
        var findings = latest.SelectMany(e => e.Findings.Select(f => (e.Suite, Finding: f))).ToList();
        return new PromotionEvidence
        {
            ManifestDigest = facts.ManifestDigest, TrainingRunId = facts.TrainingRunId, CodeRepository = facts.CodeRepository,
            CodeCommit = facts.CodeCommit, Datasets = facts.Datasets, GatesPassed = GatesPassed(stage), Metrics = metrics,
            Bias = latest.SelectMany(e => e.BiasAssessments.Select(b => new EvidenceBias
            {
                Suite = e.Suite, Attribute = b.Attribute, Metric = b.Metric, Value = ShownNumber.Of(b.Value),
            })).ToList(),
            SecurityFindings = findings
                .OrderByDescending(f => FindingSeverities.Rank(f.Finding.Severity))
                .ThenBy(f => f.Suite, StringComparer.Ordinal).ThenBy(f => f.Finding.Id, StringComparer.Ordinal)
                .Take(MaxFindings)
                .Select(f => new EvidenceFinding
                {
                    Suite = f.Suite, Id = f.Finding.Id, Severity = f.Finding.Severity, Title = Bounded.Clip(f.Finding.Title, MaxFindingTitleLength),
                })
                .ToList(),
            FindingCounts = findings.GroupBy(f => f.Finding.Severity, StringComparer.Ordinal)
                .OrderByDescending(g => FindingSeverities.Rank(g.Key))
                .ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal),
            ProductionVersion = production, MetricDeltas = deltas, LineageChanges = changes,
        };
    }

    private static List<string> LineageChanges(VersionFacts current, VersionFacts facts)
    {
        var changes = new List<string>();
        if (current.CodeCommit != facts.CodeCommit) changes.Add($"code commit {current.CodeCommit} -> {facts.CodeCommit}");
        if (current.CodeRepository != facts.CodeRepository) changes.Add($"code repository {current.CodeRepository} -> {facts.CodeRepository}");
        foreach (var added in facts.Datasets.Except(current.Datasets)) changes.Add($"dataset added: {added}");
        foreach (var removed in current.Datasets.Except(facts.Datasets)) changes.Add($"dataset removed: {removed}");
        if (current.BaseModel != facts.BaseModel) changes.Add($"base model {current.BaseModel ?? "none"} -> {facts.BaseModel ?? "none"}");
        if (current.ManifestDigest == facts.ManifestDigest) changes.Add("same artifact bytes as production");
        return changes;
    }

    private static List<string> GatesPassed(StagePolicy stage)
    {
        var gates = new List<string>();
        gates.AddRange(stage.Gates.RequiredSuites.Select(x => $"suite {x} evaluated"));
        gates.AddRange(stage.Gates.Metrics.Select(g => string.Create(CultureInfo.InvariantCulture,
            $"{g.Suite}/{g.Name} {(g.Direction == MetricDirection.AtLeast ? ">=" : "<=")} {g.Threshold}")));
        gates.AddRange(stage.Gates.Bias.Select(b => string.Create(CultureInfo.InvariantCulture, $"bias {b.Metric} within ±{b.MaxAbs}")));
        if (stage.Gates.MaxFindingSeverity is { } worst) gates.Add($"security findings at most {worst}");
        return gates;
    }

    /// <summary>The latest received evaluation of each suite (<see cref="LatestEvaluations.PerSuite"/>), by suite name.</summary>
    private static List<EvaluationSummary> Latest(IReadOnlyList<EvaluationSummary> evaluations) =>
        [.. LatestEvaluations.PerSuite(evaluations).OrderBy(e => e.Key, StringComparer.Ordinal).Select(e => e.Value)];

    private static Dictionary<string, double> Metrics(IEnumerable<EvaluationSummary> latest)
    {
        var metrics = new Dictionary<string, double>();
        foreach (var e in latest)
        foreach (var (name, value) in e.Metrics)
            metrics[$"{e.Suite}/{name}"] = ShownNumber.Of(value);
        return metrics;
    }
}
