namespace ModelRegistry.Deployments.Rules;

/// <summary>The stage a version held at an instant, from its stage changes (registry.stage_changes).</summary>
public static class StageAtInstant
{
    public const string Registered = "registered";

    /// <summary>
    /// The stage the latest change at or before <paramref name="at"/> moved the version to; <c>registered</c> before any.
    /// A change at exactly <paramref name="at"/> counts (a stage holds from the instant it changed). Order of the input
    /// does not matter; of changes at the same instant, the later in <paramref name="changes"/> wins (the table's order).
    /// </summary>
    public static string Of(IEnumerable<(DateTimeOffset ChangedAt, string ToStage)> changes, DateTimeOffset at)
    {
        ArgumentNullException.ThrowIfNull(changes);
        var stage = Registered;
        var latest = DateTimeOffset.MinValue;
        foreach (var (changedAt, toStage) in changes)
        {
            if (changedAt > at || changedAt < latest) continue;
            (stage, latest) = (toStage, changedAt);
        }
        return stage;
    }
}
