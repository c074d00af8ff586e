using System.Globalization;
using System.Text;
using System.Text.Json;
using ModelRegistry.Platform.Rules;

namespace ModelRegistry.Deployments.Rules;

/// <summary>
/// Reads an environment policy document (docs/deployments.md, "Environment policy and violations") and validates it in
/// full, collecting every error with its line and JSON path, as the promotion policy's reader does.
/// </summary>
internal sealed class DeploymentPolicyReader
{
    private readonly string source;
    private readonly List<int> lineStarts = [0];
    private readonly List<DeploymentPolicyError> errors = [];

    private DeploymentPolicyReader(string source, byte[] bytes)
    {
        this.source = source;
        for (var i = 0; i < bytes.Length; i++)
            if (bytes[i] == (byte)'\n') lineStarts.Add(i + 1);
    }

    public static DeploymentPolicyParseResult Read(string json, string source)
    {
        ArgumentNullException.ThrowIfNull(json);
        var bytes = Encoding.UTF8.GetBytes(json);
        var reader = new DeploymentPolicyReader(source, bytes);
        if (string.IsNullOrWhiteSpace(json)) return reader.Fail(new(source, 1, 1, "", "the document is empty"));
        PolicyJsonNode root;
        try
        {
            var json8 = new Utf8JsonReader(bytes, new JsonReaderOptions { CommentHandling = JsonCommentHandling.Skip });
            json8.Read();
            root = PolicyJsonNode.Read(ref json8);
            json8.Read(); // throws on anything after the root value
        }
        catch (JsonException e)
        {
            var message = e.Message.IndexOf(" LineNumber:", StringComparison.Ordinal) is var at and >= 0 ? e.Message[..at] : e.Message;
            return reader.Fail(new(source, (int)(e.LineNumber ?? 0) + 1, (int)(e.BytePositionInLine ?? 0) + 1, "", $"not valid JSON: {message}"));
        }
        var policy = reader.Policy(root);
        return reader.errors.Count == 0 && policy is not null ? new(policy, []) : new(null, reader.errors);
    }

    private DeploymentPolicyParseResult Fail(DeploymentPolicyError error)
    {
        errors.Add(error);
        return new(null, errors);
    }

    private EnvironmentPolicy? Policy(PolicyJsonNode root)
    {
        if (Fields(root, "", "environments", "otherEnvironments") is not { } fields) return null;
        var rules = new Dictionary<string, EnvironmentRule>(StringComparer.Ordinal);
        if (Required(fields, root, "", "environments") is { } environments && Fields(environments, "environments") is { } named)
        {
            if (named.Count == 0) Error(environments.Offset, "environments", "must name at least one environment");
            foreach (var (name, (offset, node)) in named)
            {
                var path = $"environments.{name}";
                if (!FieldRules.IsName(name))
                    Error(offset, path, $"'{name}' is not an environment name: 1-{FieldRules.MaxNameLength} characters of a-z, 0-9, '.', '_', '-', starting with a letter or digit");
                else if (Environment(name, node, path) is { } rule) rules[name] = rule;
            }
        }
        string? other = null;
        if (Required(fields, root, "", "otherEnvironments") is { } otherNode)
        {
            if (otherNode.Kind != JsonTokenType.String) Error(otherNode.Offset, "otherEnvironments", $"must be a string naming an environment of this policy, not {otherNode.KindName}");
            else if (fields.TryGetValue("environments", out var env) && env.Node.Kind == JsonTokenType.StartObject
                     && env.Node.Properties.All(p => p.Name != otherNode.Text))
                Error(otherNode.Offset, "otherEnvironments", $"'{otherNode.Text}' is not an environment of this policy; name one of environments");
            else other = otherNode.Text;
        }
        return other is null ? null : new EnvironmentPolicy(rules, other);
    }

    private EnvironmentRule? Environment(string name, PolicyJsonNode node, string path)
    {
        var before = errors.Count;
        if (Fields(node, path, "stages", "requireRegistered") is not { } fields) return null;
        var stages = new Dictionary<string, double?>(StringComparer.Ordinal);
        if (Required(fields, node, path, "stages") is { } stagesNode && Fields(stagesNode, $"{path}.stages") is { } named)
        {
            foreach (var (stage, (offset, allowance)) in named)
            {
                var at = $"{path}.stages.{stage}";
                if (stage == ServingStages.Retired) Error(offset, at, "retired versions never serve; the stage cannot be allowed");
                else if (!ServingStages.Servable.Contains(stage)) Error(offset, at, $"unknown stage; expected one of {string.Join(", ", ServingStages.Servable)}");
                else if (Allowance(allowance, at, out var max)) stages[stage] = max;
            }
        }
        bool? requireRegistered = null;
        if (Required(fields, node, path, "requireRegistered") is { } flag)
        {
            if (flag.Kind is JsonTokenType.True or JsonTokenType.False) requireRegistered = flag.Kind == JsonTokenType.True;
            else Error(flag.Offset, $"{path}.requireRegistered", $"must be true or false, not {flag.KindName}");
        }
        return errors.Count == before && requireRegistered is { } required ? new EnvironmentRule(name, stages, required) : null;
    }

    /// <summary><c>{}</c> (any share) or <c>{"maxTrafficPercent": N}</c> with 0 &lt; N &lt;= 100.</summary>
    private bool Allowance(PolicyJsonNode node, string path, out double? max)
    {
        max = null;
        if (Fields(node, path, "maxTrafficPercent") is not { } fields) return false;
        if (!fields.TryGetValue("maxTrafficPercent", out var p)) return true;
        if (p.Node.Kind == JsonTokenType.Number && p.Node.Number is { } value && double.IsFinite(value) && value > 0 && value <= 100)
        {
            max = value;
            return true;
        }
        Error(p.Node.Offset, $"{path}.maxTrafficPercent", p.Node.Kind == JsonTokenType.Number
            ? $"{p.Node.Number?.ToString(CultureInfo.InvariantCulture) ?? "the number"} must be more than 0 and at most 100"
            : $"must be a number (more than 0, at most 100), not {p.Node.KindName}");
        return false;
    }

    /// <summary>The properties of an object, after reporting unknown (when <paramref name="allowed"/> is given) and repeated ones.</summary>
    private Dictionary<string, (int Offset, PolicyJsonNode Node)>? Fields(PolicyJsonNode node, string path, params string[] allowed)
    {
        if (node.Kind != JsonTokenType.StartObject)
        {
            Error(node.Offset, path, $"must be an object, not {node.KindName}");
            return null;
        }
        var fields = new Dictionary<string, (int, PolicyJsonNode)>(StringComparer.Ordinal);
        foreach (var (name, offset, value) in node.Properties)
        {
            var at = path.Length == 0 ? name : $"{path}.{name}";
            if (allowed.Length > 0 && !allowed.Contains(name, StringComparer.Ordinal))
                Error(offset, at, $"unknown property; expected one of {string.Join(", ", allowed)}");
            else if (!fields.TryAdd(name, (offset, value)))
                Error(offset, at, "appears more than once");
        }
        return fields;
    }

    private PolicyJsonNode? Required(Dictionary<string, (int Offset, PolicyJsonNode Node)> fields, PolicyJsonNode parent, string path, string name)
    {
        if (fields.TryGetValue(name, out var p)) return p.Node;
        Error(parent.Offset, path.Length == 0 ? name : $"{path}.{name}", "is required");
        return null;
    }

    private void Error(int offset, string path, string message)
    {
        var line = lineStarts.BinarySearch(offset);
        if (line < 0) line = ~line - 1;
        errors.Add(new DeploymentPolicyError(source, line + 1, offset - lineStarts[line] + 1, path, message));
    }
}
