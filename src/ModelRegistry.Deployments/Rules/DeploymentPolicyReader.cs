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
    private readonly List<DeploymentPolicyError> errors = [];
    private readonly PolicyDocumentChecks checks;

    private DeploymentPolicyReader(string source, PositionedJson document) =>
        checks = new(document, (line, column, path, message) => errors.Add(new(source, line, column, path, message)));

    public static DeploymentPolicyParseResult Read(string json, string source)
    {
        var document = PositionedJson.Parse(json);
        var reader = new DeploymentPolicyReader(source, document);
        if (document.SyntaxError is { } bad) return reader.Fail(new(source, bad.Line, bad.Column, "", bad.Message));
        var policy = reader.Policy(document.Root!);
        return reader.errors.Count == 0 && policy is not null ? new(policy, []) : new(null, reader.errors);
    }

    private DeploymentPolicyParseResult Fail(DeploymentPolicyError error)
    {
        errors.Add(error);
        return new(null, errors);
    }

    private EnvironmentPolicy? Policy(PositionedJsonNode root)
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

    private EnvironmentRule? Environment(string name, PositionedJsonNode node, string path)
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
    private bool Allowance(PositionedJsonNode node, string path, out double? max)
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

    private void Error(int offset, string path, string message) => checks.Error(offset, path, message);

    private Dictionary<string, (int Offset, PositionedJsonNode Node)>? Fields(PositionedJsonNode node, string path, params string[] allowed) =>
        checks.Fields(node, path, allowed);

    private PositionedJsonNode? Required(Dictionary<string, (int Offset, PositionedJsonNode Node)> fields, PositionedJsonNode parent, string path, string name) =>
        checks.Required(fields, parent, path, name);
}
