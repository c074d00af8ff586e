namespace ModelRegistry.Retention.Rules;

/// <summary>
/// The retention policy (docs/retention.md, "Policy"): ordered rules, the first whose match fits a version's model
/// decides when it is archived and when its archived bytes are deleted. A version no rule matches is kept (no_rule).
/// Keep rules (<see cref="KeepReasons"/>) always win over every rule here.
/// </summary>
public sealed record RetentionPolicy(IReadOnlyList<RetentionRule> Rules)
{
    /// <summary>The first rule that matches the model's owner team and tags; null: none does.</summary>
    public RetentionRule? RuleFor(string ownerTeam, IReadOnlyDictionary<string, string> modelTags)
    {
        foreach (var rule in Rules)
            if (rule.Matches(ownerTeam, modelTags)) return rule;
        return null;
    }
}

/// <summary>
/// One rule. <see cref="Team"/> and <see cref="TagKey"/>/<see cref="TagValue"/> are both optional: a rule with neither
/// matches every model; with both, a model must fit both. Versions that never went beyond staging and are older than
/// <see cref="ArchiveAfterDays"/> are archived, except the newest <see cref="KeepNewest"/> of each model; their bytes
/// are deleted <see cref="DeleteAfterDays"/> after archiving (null: never).
/// </summary>
public sealed record RetentionRule(string Name, string? Team, string? TagKey, string? TagValue, int ArchiveAfterDays, int KeepNewest, int? DeleteAfterDays)
{
    public bool Matches(string ownerTeam, IReadOnlyDictionary<string, string> modelTags)
    {
        ArgumentNullException.ThrowIfNull(modelTags);
        if (Team is not null && !string.Equals(Team, ownerTeam, StringComparison.Ordinal)) return false;
        if (TagKey is null) return true;
        return modelTags.TryGetValue(TagKey, out var value) && (TagValue is null || string.Equals(value, TagValue, StringComparison.Ordinal));
    }
}
