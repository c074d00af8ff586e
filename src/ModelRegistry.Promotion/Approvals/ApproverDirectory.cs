using ModelRegistry.Platform;
using ModelRegistry.Platform.Rules;

namespace ModelRegistry.Promotion.Approvals;

/// <summary>
/// Who may approve, in which roles: the validated <see cref="ApproversOptions"/>, read-only. People are compared
/// ignoring case ("Alice" and "alice" are one person, as everywhere in the approval rules); roles exactly.
/// </summary>
public sealed class ApproverDirectory
{
    private static readonly IReadOnlySet<string> NoRoles = new HashSet<string>();
    private readonly Dictionary<string, HashSet<string>> people = new(StringComparer.OrdinalIgnoreCase);

    public ApproverDirectory(IEnumerable<KeyValuePair<string, ApproverOptions>> approvers)
    {
        ArgumentNullException.ThrowIfNull(approvers);
        foreach (var (person, settings) in approvers)
        {
            if (!people.TryGetValue(person, out var roles)) people.Add(person, roles = new HashSet<string>(StringComparer.Ordinal));
            roles.UnionWith((settings?.Roles ?? []).Where(r => !string.IsNullOrEmpty(r)));
        }
    }

    /// <summary>A directory of people and their roles (tests, tools).</summary>
    public static ApproverDirectory Of(params (string Person, string[] Roles)[] people) =>
        new(people.Select(p => KeyValuePair.Create(p.Person, new ApproverOptions { Roles = [.. p.Roles] })));

    /// <summary>Everyone in the directory.</summary>
    public IReadOnlyCollection<string> People => people.Keys;

    /// <summary>Whether the person is in the directory.</summary>
    public bool Knows(string person) => people.ContainsKey(person);

    /// <summary>The person's roles; empty when they are not in the directory.</summary>
    public IReadOnlySet<string> RolesOf(string person) => people.TryGetValue(person, out var roles) ? roles : NoRoles;

    /// <summary>Whether the person is in the directory and holds the role.</summary>
    public bool Holds(string person, string role) => people.TryGetValue(person, out var roles) && roles.Contains(role);
}
