namespace ModelRegistry.Promotion.Rules;

/// <summary>What a promotion needs to know about the version it promotes.</summary>
public sealed record VersionFacts(
    Guid VersionId,
    Guid ModelId,
    string ModelName,
    int Version,
    string RiskTier,
    string ManifestDigest,
    string Stage,
    string TrainingRunId,
    string CodeRepository,
    string CodeCommit,
    IReadOnlyList<string> Datasets,
    string? BaseModel)
{
    /// <summary>The model's risk tier now (registry.models; ChangeModelGovernance changes it), or null when unknown.</summary>
    public string? ModelRiskTier { get; init; }

    /// <summary>The tier a promotion requested now is held to: the model's (governance decides it), else the version's.</summary>
    public string CurrentTier => ModelRiskTier ?? RiskTier;
}

/// <summary>A version's stage as stored.</summary>
public sealed record StoredStage(Guid VersionId, int Version, string Stage);
