using System.Globalization;
using ModelRegistry.Contracts.Promotion;
using ModelRegistry.Promotion.Rules;

namespace ModelRegistry.Promotion;

/// <summary>What approvers see in <see cref="ApprovalRequested"/>: the version's lineage, its metrics and the gates it passed, against production.</summary>
public static class ApprovalEvidence
{
    public static async Task<PromotionEvidence> ReadAsync(IPromotionStore store, VersionFacts facts, StagePolicy stage,
        IReadOnlyList<EvaluationSummary> evaluations, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(facts);
        ArgumentNullException.ThrowIfNull(stage);
        var metrics = Latest(evaluations);
        var stages = await store.StagesAsync(facts.ModelId, null, ct);
        int? production = stages.FirstOrDefault(x => x.Stage == "production")?.Version;
        var deltas = new Dictionary<string, double>();
        var changes = new List<string>();
        if (production is { } p && p != facts.Version
            && await store.FindVersionAsync(facts.ModelName, p, ct) is { } current)
        {
            var theirs = Latest(await store.EvaluationsAsync(current.VersionId, ct));
            foreach (var (key, value) in metrics)
                if (theirs.TryGetValue(key, out var other)) deltas[key] = value - other;
            changes.AddRange(LineageChanges(current, facts));
        }
        return new PromotionEvidence
        {
            ManifestDigest = facts.ManifestDigest, TrainingRunId = facts.TrainingRunId, CodeRepository = facts.CodeRepository,
            CodeCommit = facts.CodeCommit, Datasets = facts.Datasets, GatesPassed = GatesPassed(stage), Metrics = metrics,
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

    private static Dictionary<string, double> Latest(IReadOnlyList<EvaluationSummary> evaluations)
    {
        var latest = new Dictionary<string, double>();
        foreach (var suite in evaluations.GroupBy(e => e.Suite))
        foreach (var (name, value) in suite.MaxBy(e => e.EvaluatedAt)!.Metrics)
            latest[$"{suite.Key}/{name}"] = value;
        return latest;
    }
}
