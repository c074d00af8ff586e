namespace ModelRegistry.Retention.Rules;

/// <summary>What a sweep does to one version: archive its bytes or delete its archived bytes, by which rule, freeing how much.</summary>
public sealed record PlannedAction(Guid VersionId, string ModelName, int Version, string Action, string Rule, long Bytes)
{
    public const string Archive = "archive";
    public const string Delete = "delete";
}

/// <summary>A version the sweep leaves alone, and the reason (<see cref="KeepReasons"/>).</summary>
public sealed record KeptVersion(Guid VersionId, string ModelName, int Version, string Reason);

/// <summary>
/// A sweep's plan: the archive and delete actions (each object's bytes counted once, on the first action that frees it)
/// and every version left alone with its reason. Deleted versions appear in neither list.
/// </summary>
public sealed record RetentionPlan(
    IReadOnlyList<PlannedAction> Archive,
    IReadOnlyList<PlannedAction> Delete,
    IReadOnlyList<KeptVersion> Kept)
{
    public long BytesToArchive => Archive.Sum(a => a.Bytes);
    public long BytesToDelete => Delete.Sum(a => a.Bytes);

    /// <summary>How many versions each reason kept.</summary>
    public Dictionary<string, int> KeptCounts() =>
        Kept.GroupBy(k => k.Reason, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal);

    /// <summary>The action planned for a version, if any.</summary>
    public PlannedAction? ActionFor(Guid versionId) =>
        Archive.FirstOrDefault(a => a.VersionId == versionId) ?? Delete.FirstOrDefault(a => a.VersionId == versionId);

    /// <summary>Why a version is left alone, if it is.</summary>
    public string? KeptReasonOf(Guid versionId) => Kept.FirstOrDefault(k => k.VersionId == versionId)?.Reason;
}
