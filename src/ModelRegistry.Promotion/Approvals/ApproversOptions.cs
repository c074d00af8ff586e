using ModelRegistry.Platform.Rules;
using ModelRegistry.Platform;
using ModelRegistry.Promotion.Rules;

namespace ModelRegistry.Promotion.Approvals;

/// <summary>
/// The <c>Approvers</c> configuration section: each person who may approve promotions and the roles they hold. The
/// section is the map itself: <c>Approvers__alice__Roles__0=model-risk-officer</c>. People are compared ignoring case,
/// as configuration keys and <see cref="ApprovalRules"/> compare them; roles exactly.
/// </summary>
public sealed class ApproversOptions : Dictionary<string, ApproverOptions>, ISettings
{
    public const string Section = "Approvers";

    /// <summary>Longest person name accepted.</summary>
    public const int MaxPersonLength = 200;

    public ApproversOptions() : base(StringComparer.OrdinalIgnoreCase)
    {
    }

    /// <summary>Whether <paramref name="person"/> is a person name: 1-200 characters, not starting or ending with whitespace.</summary>
    public static bool IsPersonName(string? person) =>
        !string.IsNullOrWhiteSpace(person) && !char.IsWhiteSpace(person[0]) && !char.IsWhiteSpace(person[^1])
        && person.Length <= MaxPersonLength && FieldRules.Storable(person, "") is null;

    /// <summary>One line per problem, each naming the setting.</summary>
    /// <remarks>An empty directory is not an error here: every decision is then refused as approver_unknown.</remarks>
    public IEnumerable<string> Validate()
    {
        foreach (var (person, settings) in this.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            var setting = $"{Section}:{person}";
            if (!IsPersonName(person))
                yield return $"{Section}:{FieldRules.Shown(person)}: person names are 1-{MaxPersonLength} characters, not starting or ending with whitespace";
            var roles = settings?.Roles ?? [];
            if (roles.Count == 0)
                yield return $"{setting}:Roles: empty; give at least one role ({Section}__{person}__Roles__0=model-risk-officer)";
            for (var i = 0; i < roles.Count; i++)
            {
                if (!FieldRules.IsName(roles[i]))
                    yield return $"{setting}:Roles:{i}: {FieldRules.Shown(roles[i])} is not a role name (1-{FieldRules.MaxNameLength} characters of a-z, 0-9, '.', '_', '-', starting with a letter or digit)";
            }
        }
    }
}

/// <summary>One person's entry in <see cref="ApproversOptions"/>.</summary>
public sealed class ApproverOptions
{
    /// <summary>The roles the person holds, e.g. <c>model-risk-officer</c>, <c>security-review</c>.</summary>
    public List<string> Roles { get; set; } = [];
}
