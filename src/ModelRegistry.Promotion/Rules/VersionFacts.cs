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
    string? BaseModel);

/// <summary>A version's stage as stored.</summary>
public sealed record StoredStage(Guid VersionId, int Version, string Stage);
