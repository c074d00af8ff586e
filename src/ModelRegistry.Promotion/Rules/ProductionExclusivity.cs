using ModelRegistry.Platform;
using ModelRegistry.Platform.Rules;

namespace ModelRegistry.Promotion.Rules;

/// <summary>At most one version of a model is in production: promoting one retires the previous holder.</summary>
public static class ProductionExclusivity
{
    /// <summary>
    /// The stage changes of promoting <paramref name="promoted"/> to <paramref name="target"/>: the promoted version first,
    /// then every other holder of an exclusive target, retired. Empty when the version already holds the target.
    /// </summary>
    public static IReadOnlyList<StageChange> Apply(IReadOnlyList<VersionStage> versions, int promoted, Stage target)
    {
        ArgumentNullException.ThrowIfNull(versions);
        var version = versions.FirstOrDefault(v => v.Version == promoted)
            ?? throw new ArgumentException($"version {promoted} is not one of the model's versions", nameof(promoted));
        if (version.Stage == Stage.Retired) throw new ArgumentException($"version {promoted} is retired", nameof(promoted));
        if (target is Stage.Retired or Stage.Registered) throw new ArgumentException($"'{StageNames.Format(target)}' is not a promotion target", nameof(target));
        if (version.Stage == target) return [];

        var changes = new List<StageChange> { new(promoted, version.Stage, target) };
        if (StageNames.IsExclusive(target))
        {
            changes.AddRange(versions
                .Where(v => v.Version != promoted && v.Stage == target)
                .OrderBy(v => v.Version)
                .Select(v => new StageChange(v.Version, target, Stage.Retired)));
        }
        return changes;
    }

    /// <inheritdoc cref="Apply(IReadOnlyList{VersionStage}, int, Stage)"/>
    public static IReadOnlyList<StageChange> Apply(IReadOnlyList<VersionStage> versions, int promoted) =>
        Apply(versions, promoted, Stage.Production);
}
