using ModelRegistry.Promotion;
using ModelRegistry.Promotion.Rules;

namespace ModelRegistry.Components.Tests;

/// <summary>The registry tables the promotion saga reads and writes, in memory.</summary>
public sealed class InMemoryPromotionStore : IPromotionStore
{
    private readonly Lock gate = new();
    private readonly Dictionary<(string Model, int Version), VersionFacts> versions = [];
    private readonly Dictionary<Guid, string> stages = []; // version id -> stage
    private readonly List<(Guid VersionId, EvaluationSummary Evaluation)> evaluations = [];
    private readonly HashSet<(string Model, int Version, string Stage)> openElsewhere = [];
    private readonly List<(StageChange Change, string Cause, Guid CauseId)> applied = [];
    private readonly Dictionary<string, string> modelTiers = []; // model -> its tier, once changed by governance
    private readonly Dictionary<(Guid PromotionId, string Signature), RefusedDecision> refused = []; // registry.refused_approvals

    /// <summary>The refused signed decisions remembered, by promotion and signature.</summary>
    public IReadOnlyDictionary<(Guid PromotionId, string Signature), RefusedDecision> Refused { get { lock (gate) return refused.ToDictionary(); } }

    /// <summary>A version's facts (its manifest digest, ...), as the saga reads them.</summary>
    public VersionFacts? Facts(string model, int version)
    {
        lock (gate) return versions.GetValueOrDefault((model, version));
    }
    private readonly Dictionary<Guid, long> stageSequences = []; // model id -> its last stage-change number

    public IReadOnlyList<(StageChange Change, string Cause, Guid CauseId)> Applied { get { lock (gate) return [.. applied]; } }

    public VersionFacts AddVersion(string model, int version, string tier, string stage = "registered")
    {
        lock (gate)
        {
            var modelId = versions.Values.FirstOrDefault(v => v.ModelName == model)?.ModelId ?? Guid.NewGuid();
            var facts = new VersionFacts(Guid.NewGuid(), modelId, model, version, tier, "sha256:" + new string((char)('a' + version % 6), 64), stage,
                "run-" + version, "git@example:models", "c0mm1t" + version, [$"data@{version} (sha256:d)"], null);
            versions[(model, version)] = facts;
            stages[facts.VersionId] = stage;
            return facts;
        }
    }

    /// <summary>Moves a version behind the promotion's back (another promotion, a rollback).</summary>
    public void SetStage(string model, int version, string stage)
    {
        lock (gate) stages[versions[(model, version)].VersionId] = stage;
    }

    /// <summary>Changes the model's risk tier (registry.models.risk_tier), as ChangeModelGovernance does.</summary>
    public void SetModelTier(string model, string tier)
    {
        lock (gate) modelTiers[model] = tier;
    }

    public string StageOf(string model, int version)
    {
        lock (gate) return stages[versions[(model, version)].VersionId];
    }

    /// <summary>Records an accuracy evaluation that claims it ran <paramref name="at"/>; it is received now, after every earlier one.</summary>
    public void AddEvaluation(string model, int version, double accuracy, DateTimeOffset at) =>
        AddEvaluation(model, version, new EvaluationSummary("accuracy", new Dictionary<string, double> { ["accuracy"] = accuracy }, [], "none", at));

    /// <summary>
    /// Attaches any evaluation (bias measurements, findings) to a version, received now: it gets the next receive number,
    /// as registry.evaluations.received_seq gives it.
    /// </summary>
    public void AddEvaluation(string model, int version, EvaluationSummary evaluation)
    {
        lock (gate) evaluations.Add((versions[(model, version)].VersionId, evaluation with { Received = evaluations.Count + 1 }));
    }

    public void OpenElsewhere(string model, int version, string stage)
    {
        lock (gate) openElsewhere.Add((model, version, stage));
    }

    public Task<VersionFacts?> FindVersionAsync(string modelName, int version, CancellationToken ct)
    {
        lock (gate)
        {
            return Task.FromResult(versions.TryGetValue((modelName, version), out var facts)
                ? facts with { Stage = stages[facts.VersionId], ModelRiskTier = modelTiers.GetValueOrDefault(modelName) }
                : null);
        }
    }

    public Task<bool> OtherOpenPromotionAsync(Guid promotionId, string modelName, int version, string targetStage, CancellationToken ct)
    {
        lock (gate) return Task.FromResult(openElsewhere.Contains((modelName, version, targetStage)));
    }

    public Task<IReadOnlyList<EvaluationSummary>> EvaluationsAsync(Guid versionId, CancellationToken ct)
    {
        lock (gate)
        {
            return Task.FromResult<IReadOnlyList<EvaluationSummary>>(
                [.. evaluations.Where(e => e.VersionId == versionId).Select(e => e.Evaluation).OrderBy(e => e.Received)]);
        }
    }

    public Task LockModelAsync(Guid modelId, CancellationToken ct) => Task.CompletedTask;

    public Task<IReadOnlyList<StoredStage>> StagesAsync(Guid modelId, int? alsoVersion, CancellationToken ct)
    {
        lock (gate)
        {
            return Task.FromResult<IReadOnlyList<StoredStage>>(
            [
                .. versions.Values.Where(v => v.ModelId == modelId && (stages[v.VersionId] != "registered" || v.Version == alsoVersion))
                    .OrderBy(v => v.Version)
                    .Select(v => new StoredStage(v.VersionId, v.Version, stages[v.VersionId])),
            ]);
        }
    }

    public Task<long> ApplyStageChangesAsync(Guid modelId, IReadOnlyList<StoredStage> stages, IReadOnlyList<StageChange> changes, string cause,
        Guid causeId, string actor, DateTimeOffset at, CancellationToken ct)
    {
        lock (gate)
        {
            var ids = stages.ToDictionary(s => s.Version, s => s.VersionId);
            foreach (var change in changes)
            {
                this.stages[ids[change.Version]] = StageNames.Format(change.To);
                applied.Add((change, cause, causeId));
            }
            stageSequences[modelId] = stageSequences.GetValueOrDefault(modelId) + 1;
            return Task.FromResult(stageSequences[modelId]);
        }
    }

    public Task<RefusedDecision?> RefusedBeforeAsync(Guid promotionId, string signature, CancellationToken ct)
    {
        lock (gate) return Task.FromResult(refused.GetValueOrDefault((promotionId, signature)));
    }

    public Task RememberRefusalAsync(Guid promotionId, string signature, string reasonCode, DateTimeOffset at, CancellationToken ct)
    {
        lock (gate) refused.TryAdd((promotionId, signature), new RefusedDecision(reasonCode, at));
        return Task.CompletedTask;
    }
}
