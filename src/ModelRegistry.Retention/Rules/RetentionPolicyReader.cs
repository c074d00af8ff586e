using System.Text.Json;
using ModelRegistry.Platform.Rules;

namespace ModelRegistry.Retention.Rules;

/// <summary>One problem in a retention policy file. Line and column count from 1 (column in bytes).</summary>
public sealed record RetentionPolicyError(string Source, int Line, int Column, string Path, string Message)
{
    public override string ToString() => Path.Length == 0 ? $"{Source} line {Line}: {Message}" : $"{Source} line {Line}: {Path}: {Message}";
}

/// <summary>Either a valid retention policy or every problem found, in document order.</summary>
public sealed record RetentionPolicyParseResult(RetentionPolicy? Policy, IReadOnlyList<RetentionPolicyError> Errors)
{
    public bool IsValid => Policy is not null;
}

/// <summary>
/// Reads a retention policy document (docs/retention.md, "Policy") and validates it in full, collecting every error
/// with its line and JSON path, as the promotion and environment policies' readers do.
/// </summary>
public sealed class RetentionPolicyReader
{
    /// <summary>The most days any delay may be (100 years).</summary>
    public const int MaxDays = 36_500;

    /// <summary>The most versions keepNewest may keep.</summary>
    public const int MaxKeepNewest = 10_000;

    private readonly List<RetentionPolicyError> errors = [];
    private readonly PolicyDocumentChecks checks;

    private RetentionPolicyReader(string source, PositionedJson document) =>
        checks = new(document, (line, column, path, message) => errors.Add(new(source, line, column, path, message)));

    public static RetentionPolicyParseResult Read(string json, string source)
    {
        var document = PositionedJson.Parse(json);
        var reader = new RetentionPolicyReader(source, document);
        if (document.SyntaxError is { } bad)
        {
            reader.errors.Add(new(source, bad.Line, bad.Column, "", bad.Message));
            return new(null, reader.errors);
        }
        var policy = reader.Policy(document.Root!);
        return reader.errors.Count == 0 && policy is not null ? new(policy, []) : new(null, reader.errors);
    }

    private RetentionPolicy? Policy(PositionedJsonNode root)
    {
        if (checks.Fields(root, "", "rules") is not { } fields) return null;
        if (checks.Required(fields, root, "", "rules") is not { } list) return null;
        if (list.Kind != JsonTokenType.StartArray)
        {
            checks.Error(list.Offset, "rules", $"must be an array of rules, not {list.KindName}");
            return null;
        }
        var rules = new List<RetentionRule>();
        var names = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < list.Items.Count; i++)
        {
            var path = $"rules[{i}]";
            if (Rule(list.Items[i], path) is not { } rule) continue;
            if (!names.Add(rule.Name)) checks.Error(list.Items[i].Properties.First(p => p.Name == "name").Offset, $"{path}.name", $"'{rule.Name}' names an earlier rule too; each rule needs its own name (tombstones and events name it)");
            else rules.Add(rule);
        }
        return new RetentionPolicy(rules);
    }

    private RetentionRule? Rule(PositionedJsonNode node, string path)
    {
        var before = errors.Count;
        if (checks.Fields(node, path, "name", "match", "archiveAfterDays", "keepNewest", "deleteAfterDays") is not { } fields) return null;
        string? name = null;
        if (checks.Required(fields, node, path, "name") is { } nameNode)
        {
            if (nameNode.Kind != JsonTokenType.String || !FieldRules.IsName(nameNode.Text!))
                checks.Error(nameNode.Offset, $"{path}.name", $"must be a name: 1-{FieldRules.MaxNameLength} characters of a-z, 0-9, '.', '_', '-', starting with a letter or digit");
            else name = nameNode.Text;
        }
        string? team = null, tagKey = null, tagValue = null;
        if (fields.TryGetValue("match", out var match) && checks.Fields(match.Node, $"{path}.match", "team", "modelTag") is { } matchFields)
        {
            if (matchFields.TryGetValue("team", out var t)) team = Text(t.Node, $"{path}.match.team");
            if (matchFields.TryGetValue("modelTag", out var tag) && checks.Fields(tag.Node, $"{path}.match.modelTag", "key", "value") is { } tagFields)
            {
                if (checks.Required(tagFields, tag.Node, $"{path}.match.modelTag", "key") is { } k) tagKey = Text(k, $"{path}.match.modelTag.key");
                if (tagFields.TryGetValue("value", out var v)) tagValue = Text(v.Node, $"{path}.match.modelTag.value");
            }
        }
        var archive = Days(fields, node, path, "archiveAfterDays", required: true, minimum: 0);
        var keep = fields.TryGetValue("keepNewest", out var keepNode) ? Count(keepNode.Node, $"{path}.keepNewest") : 0;
        var delete = Days(fields, node, path, "deleteAfterDays", required: false, minimum: 1);
        return errors.Count == before && name is not null && archive is { } a && keep is { } k2
            ? new RetentionRule(name, team, tagKey, tagValue, a, k2, delete)
            : null;
    }

    private string? Text(PositionedJsonNode node, string path)
    {
        if (node.Kind == JsonTokenType.String && node.Text is { Length: > 0 and <= 200 } text) return text;
        checks.Error(node.Offset, path, node.Kind == JsonTokenType.String ? "must be 1-200 characters" : $"must be a string, not {node.KindName}");
        return null;
    }

    private int? Days(Dictionary<string, (int Offset, PositionedJsonNode Node)> fields, PositionedJsonNode parent, string path, string name, bool required, int minimum)
    {
        PositionedJsonNode? node = required ? checks.Required(fields, parent, path, name) : fields.TryGetValue(name, out var f) ? f.Node : null;
        if (node is null) return null;
        if (node.Kind == JsonTokenType.Number && node.IsInteger && node.Number is { } value && value >= minimum && value <= MaxDays) return (int)value;
        checks.Error(node.Offset, $"{path}.{name}", $"must be a whole number of days, {minimum}-{MaxDays}");
        return null;
    }

    private int? Count(PositionedJsonNode node, string path)
    {
        if (node.Kind == JsonTokenType.Number && node.IsInteger && node.Number is { } value && value >= 0 && value <= MaxKeepNewest) return (int)value;
        checks.Error(node.Offset, path, $"must be a whole number, 0-{MaxKeepNewest}");
        return null;
    }
}
