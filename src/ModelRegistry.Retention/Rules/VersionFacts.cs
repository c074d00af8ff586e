namespace ModelRegistry.Retention.Rules;

/// <summary>Where a version's artifact bytes are, as retention recorded it.</summary>
public enum RetentionState
{
    /// <summary>In the primary store (no retention row).</summary>
    Stored,
    /// <summary>In the archive tier.</summary>
    Archived,
    /// <summary>A delete action decided and began removing the bytes.</summary>
    Deleting,
    /// <summary>Deleted: tombstones remain.</summary>
    Deleted,
}

/// <summary>One artifact object (content address and size) a version references.</summary>
public readonly record struct ObjectRef(string Sha256, long Size);

/// <summary>
/// What the planner needs to know of one version, read in one pass over the registry (RetentionFactsQuery) or
/// generated (tests, benchmark). <see cref="NewestRank"/> is 1 for the model's highest version number.
/// </summary>
public sealed record VersionFacts(
    Guid VersionId,
    string ModelName,
    int Version,
    string OwnerTeam,
    IReadOnlyDictionary<string, string> ModelTags,
    DateTimeOffset RegisteredAt,
    int NewestRank,
    bool EverProduction,
    bool EverBeyondStaging,
    bool ServingNow,
    bool OpenPromotion,
    bool Held,
    Guid? BaseVersionId,
    IReadOnlyList<ObjectRef> Objects,
    RetentionState State,
    DateTimeOffset? ArchivedAt);
