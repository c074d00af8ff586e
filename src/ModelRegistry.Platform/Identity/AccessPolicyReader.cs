using System.Text.Json;
using ModelRegistry.Platform.Rules;

namespace ModelRegistry.Platform.Identity;

/// <summary>
/// Reads an access policy document (docs/security.md, "Access policy") and validates it in full, collecting every error
/// with its line and JSON path, as the promotion and environment policy readers do.
/// </summary>
internal sealed class AccessPolicyReader
{
    private const int MaxNameLength = 200;
    private static readonly string[] GrantFields = ["teams", "suites", "integrations", "environments", "roles"];

    private readonly List<AccessPolicyError> errors = [];
    private readonly PolicyDocumentChecks checks;

    private AccessPolicyReader(string source, PositionedJson document) =>
        checks = new(document, (line, column, path, message) => errors.Add(new(source, line, column, path, message)));

    public static AccessPolicyParseResult Read(string json, string source)
    {
        var document = PositionedJson.Parse(json);
        var reader = new AccessPolicyReader(source, document);
        if (document.SyntaxError is { } bad)
        {
            reader.errors.Add(new(source, bad.Line, bad.Column, "", bad.Message));
            return new(null, reader.errors);
        }
        var policy = reader.Policy(document.Root!);
        return reader.errors.Count == 0 && policy is not null ? new(policy, []) : new(null, reader.errors);
    }

    private AccessPolicy? Policy(PositionedJsonNode root)
    {
        if (Fields(root, "", "registry", "principals") is not { } fields) return null;
        var registry = new HashSet<string>(StringComparer.Ordinal);
        if (Required(fields, root, "registry") is { } registryNode && Names(registryNode, "registry", allowAny: false) is { } users)
        {
            if (users.Count == 0) Error(registryNode.Offset, "registry", "must name at least one broker user: the user the workers connect as");
            registry.UnionWith(users);
        }
        var principals = new Dictionary<string, PrincipalGrants>(StringComparer.Ordinal);
        if (Required(fields, root, "principals") is { } principalsNode && Fields(principalsNode, "principals") is { } named)
        {
            foreach (var (name, (offset, node)) in named)
            {
                var path = $"principals.{name}";
                if (!IsUserName(name)) Error(offset, path, $"'{name}' is not a broker user name: 1-{MaxNameLength} characters, no control characters or spaces at either end");
                else if (registry.Contains(name)) Error(offset, path, "is a registry user (registry): the registry's own users are trusted and take no grants");
                else if (Grants(node, path) is { } grants) principals[name] = grants;
            }
        }
        return errors.Count == 0 ? new AccessPolicy(registry, principals) : null;
    }

    private PrincipalGrants? Grants(PositionedJsonNode node, string path)
    {
        var before = errors.Count;
        if (Fields(node, path, GrantFields) is not { } fields) return null;
        if (node.Properties.Count == 0) Error(node.Offset, path, $"grants nothing; give it one of {string.Join(", ", GrantFields)}");
        NameSet Set(string field) =>
            fields.TryGetValue(field, out var f) && Names(f.Node, $"{path}.{field}", allowAny: true) is { } names ? NameSet.Of([.. names]) : NameSet.None;
        var roles = new HashSet<string>(StringComparer.Ordinal);
        if (fields.TryGetValue("roles", out var r) && Names(r.Node, $"{path}.roles", allowAny: false) is { } listed)
        {
            for (var i = 0; i < listed.Count; i++)
            {
                if (AccessRoles.All.Contains(listed[i])) roles.Add(listed[i]);
                else Error(r.Node.Items[i].Offset, $"{path}.roles[{i}]", $"unknown role '{listed[i]}'; expected one of {string.Join(", ", AccessRoles.All)}");
            }
        }
        var grants = new PrincipalGrants(Set("teams"), Set("suites"), Set("integrations"), Set("environments"), roles);
        return errors.Count == before ? grants : null;
    }

    /// <summary>An array of distinct names; <c>"*"</c> (any) only where <paramref name="allowAny"/>, and then alone.</summary>
    private List<string>? Names(PositionedJsonNode node, string path, bool allowAny)
    {
        if (node.Kind != JsonTokenType.StartArray)
        {
            Error(node.Offset, path, $"must be an array of names, not {node.KindName}");
            return null;
        }
        var before = errors.Count;
        var names = new List<string>();
        for (var i = 0; i < node.Items.Count; i++)
        {
            var item = node.Items[i];
            var at = $"{path}[{i}]";
            if (item.Kind != JsonTokenType.String) Error(item.Offset, at, $"must be a string, not {item.KindName}");
            else if (item.Text == "*" && !allowAny) Error(item.Offset, at, "'*' (any) is not allowed here; name each one");
            else if (item.Text != "*" && !IsUserName(item.Text!)) Error(item.Offset, at, $"'{item.Text}' is not a name: 1-{MaxNameLength} characters, no control characters or spaces at either end");
            else if (names.Contains(item.Text!)) Error(item.Offset, at, $"'{item.Text}' appears more than once");
            else names.Add(item.Text!);
        }
        if (names.Contains("*") && names.Count > 1) Error(node.Offset, path, "'*' (any) already covers every name; list nothing beside it");
        return errors.Count == before ? names : null;
    }

    private static bool IsUserName(string name) =>
        name.Length is > 0 and <= MaxNameLength && name.Trim() == name && !name.Any(char.IsControl);

    private void Error(int offset, string path, string message) => checks.Error(offset, path, message);

    private Dictionary<string, (int Offset, PositionedJsonNode Node)>? Fields(PositionedJsonNode node, string path, params string[] allowed) =>
        checks.Fields(node, path, allowed);

    private PositionedJsonNode? Required(Dictionary<string, (int Offset, PositionedJsonNode Node)> fields, PositionedJsonNode parent, string name) =>
        checks.Required(fields, parent, "", name);
}
