using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Xml;
using ModelRegistry.Platform.Rules;
using ModelRegistry.Platform;

namespace ModelRegistry.Promotion.Rules;

/// <summary>Reads a policy document into <see cref="PositionedJsonNode"/>s with positions, then validates it, collecting every error.</summary>
internal sealed class PromotionPolicyReader
{
    private static readonly string[] Targets = ["staging", "shadow", "canary", "production"];

    private readonly string _source;
    private readonly PositionedJson _document;
    private readonly List<PolicyError> _errors = [];

    private PromotionPolicyReader(string source, PositionedJson document)
    {
        _source = source;
        _document = document;
    }

    public static PolicyParseResult Read(string json, string source)
    {
        var document = PositionedJson.Parse(json);
        var reader = new PromotionPolicyReader(source, document);
        if (document.SyntaxError is { } bad) return reader.Fail(new PolicyError(source, bad.Line, bad.Column, "", bad.Message));
        var policy = reader.Policy(document.Root!);
        return reader._errors.Count == 0 ? new(policy, []) : new(null, reader._errors);
    }

    private PolicyParseResult Fail(PolicyError error)
    {
        _errors.Add(error);
        return new(null, _errors);
    }

    private void Error(int offset, string path, string message)
    {
        var (line, column) = _document.PositionOf(offset);
        _errors.Add(new PolicyError(_source, line, column, path, message));
    }

    private static string Quoted(string? text) => text is null ? "null" : $"'{text}'";

    // ---- shapes ----

    /// <summary>The properties of an object, after reporting unknown and repeated ones; null when <paramref name="node"/> is not an object.</summary>
    private Dictionary<string, PositionedJsonProperty>? Fields(PositionedJsonNode node, string path, params string[] allowed)
    {
        if (node.Kind != JsonTokenType.StartObject)
        {
            Error(node.Offset, path, $"must be an object, not {node.KindName}");
            return null;
        }
        var fields = new Dictionary<string, PositionedJsonProperty>(StringComparer.Ordinal);
        foreach (var p in node.Properties)
        {
            var at = Join(path, p.Name);
            if (!allowed.Contains(p.Name, StringComparer.Ordinal))
                Error(p.Offset, at, $"unknown property; expected one of {string.Join(", ", allowed)}");
            else if (!fields.TryAdd(p.Name, p))
                Error(p.Offset, at, "appears more than once");
        }
        return fields;
    }

    private static string Join(string path, string name) => path.Length == 0 ? name : $"{path}.{name}";

    private PositionedJsonNode? Required(Dictionary<string, PositionedJsonProperty> fields, PositionedJsonNode parent, string path, string name)
    {
        if (fields.TryGetValue(name, out var p)) return p.Value;
        Error(parent.Offset, Join(path, name), "is required");
        return null;
    }

    private static PositionedJsonNode? Optional(Dictionary<string, PositionedJsonProperty> fields, string name) =>
        fields.TryGetValue(name, out var p) ? p.Value : null;

    private List<PositionedJsonNode>? Array(PositionedJsonNode node, string path)
    {
        if (node.Kind == JsonTokenType.StartArray) return node.Items;
        Error(node.Offset, path, $"must be an array, not {node.KindName}");
        return null;
    }

    private string? Name(PositionedJsonNode node, string path, string what)
    {
        if (node.Kind != JsonTokenType.String)
        {
            Error(node.Offset, path, $"must be a string, not {node.KindName}");
            return null;
        }
        if (FieldRules.IsName(node.Text)) return node.Text;
        Error(node.Offset, path,
            $"{Quoted(node.Text)} is not a {what}: 1-{FieldRules.MaxNameLength} characters of a-z, 0-9, '.', '_', '-', starting with a letter or digit");
        return null;
    }

    private string? OneOf(PositionedJsonNode node, string path, IReadOnlyList<string> allowed)
    {
        if (node.Kind == JsonTokenType.String && allowed.Contains(node.Text, StringComparer.Ordinal)) return node.Text;
        Error(node.Offset, path, node.Kind == JsonTokenType.String
            ? $"{Quoted(node.Text)} is not one of {string.Join(", ", allowed)}"
            : $"must be a string, one of {string.Join(", ", allowed)}, not {node.KindName}");
        return null;
    }

    private double? Number(PositionedJsonNode node, string path, double min)
    {
        if (node.Kind != JsonTokenType.Number || node.Number is not { } value || !double.IsFinite(value))
        {
            Error(node.Offset, path, node.Kind == JsonTokenType.Number ? "is not a finite number" : $"must be a number, not {node.KindName}");
            return null;
        }
        if (value >= min) return value;
        Error(node.Offset, path, $"{value.ToString(CultureInfo.InvariantCulture)} is below {min.ToString(CultureInfo.InvariantCulture)}");
        return null;
    }

    private int? Count(PositionedJsonNode node, string path)
    {
        if (node.Kind == JsonTokenType.Number && node.IsInteger && node.Number >= 1) return (int)node.Number;
        Error(node.Offset, path, $"must be a whole number of at least 1, not {(node.Kind == JsonTokenType.Number ? node.Number?.ToString(CultureInfo.InvariantCulture) : node.KindName)}");
        return null;
    }

    private TimeSpan? Duration(PositionedJsonNode node, string path)
    {
        if (node.Kind != JsonTokenType.String)
        {
            Error(node.Offset, path, $"must be an ISO-8601 duration string such as \"P3D\" or \"PT24H\", not {node.KindName}");
            return null;
        }
        TimeSpan value;
        try
        {
            value = XmlConvert.ToTimeSpan(node.Text!);
        }
        catch (Exception e) when (e is FormatException or OverflowException)
        {
            Error(node.Offset, path, $"{Quoted(node.Text)} is not an ISO-8601 duration such as \"P3D\" or \"PT24H\"");
            return null;
        }
        if (value > TimeSpan.Zero) return value;
        Error(node.Offset, path, $"{Quoted(node.Text)} is not a positive duration");
        return null;
    }

    /// <summary>A list of distinct names; repeats are errors.</summary>
    private List<string> Names(PositionedJsonNode node, string path, string what)
    {
        var names = new List<string>();
        foreach (var (item, i) in (Array(node, path) ?? []).Select((n, i) => (n, i)))
        {
            var at = $"{path}[{i}]";
            if (Name(item, at, what) is not { } name) continue;
            if (names.Contains(name, StringComparer.Ordinal)) Error(item.Offset, at, $"{Quoted(name)} is listed more than once");
            else names.Add(name);
        }
        return names;
    }

    // ---- the policy ----

    private PromotionPolicy? Policy(PositionedJsonNode root)
    {
        if (Fields(root, "", "tiers") is not { } fields) return null;
        if (Required(fields, root, "", "tiers") is not { } tiersNode) return null;
        if (Fields(tiersNode, "tiers", [.. RiskTierNames.All]) is not { } tierFields) return null;
        var tiers = new Dictionary<RiskTier, TierPolicy>();
        foreach (var name in RiskTierNames.All)
        {
            if (RiskTierNames.TryParse(name, out var tier) && Required(tierFields, tiersNode, "tiers", name) is { } tierNode && Tier(tier, tierNode, $"tiers.{name}") is { } policy)
                tiers[tier] = policy;
        }
        return tiers.Count == RiskTierNames.All.Count ? new PromotionPolicy(tiers) : null;
    }

    private TierPolicy? Tier(RiskTier tier, PositionedJsonNode node, string path)
    {
        if (Fields(node, path, Targets) is not { } fields) return null;
        var stages = new Dictionary<Stage, StagePolicy>();
        foreach (var (name, p) in fields)
        {
            var target = StageNames.Parse(name);
            if (StageRule(target, p.Value, Join(path, name)) is { } rule) stages[target] = rule;
        }
        // A "from" stage that this tier can never reach is a typo or a dead rule.
        foreach (var (name, p) in fields.Where(f => stages.ContainsKey(StageNames.Parse(f.Key))))
        {
            var rule = stages[StageNames.Parse(name)];
            var from = p.Value.Properties.First(f => f.Name == "from").Value;
            for (var i = 0; i < rule.From.Count; i++)
            {
                var source = rule.From[i];
                if (source != Stage.Registered && !fields.ContainsKey(StageNames.Format(source)))
                    Error(from.Items[i].Offset, $"{path}.{name}.from[{i}]",
                        $"'{StageNames.Format(source)}' is never reached in this tier: {path} does not define it");
            }
        }
        return fields.Count == stages.Count ? new TierPolicy(tier, stages) : null;
    }

    private StagePolicy? StageRule(Stage target, PositionedJsonNode node, string path)
    {
        var before = _errors.Count;
        if (Fields(node, path, "from", "gates", "approvals", "evaluationTimeout") is not { } fields) return null;
        var from = Required(fields, node, path, "from") is { } fromNode ? From(target, fromNode, Join(path, "from")) : [];
        var gates = Optional(fields, "gates") is { } g ? Gates(g, Join(path, "gates")) : StageGates.None;
        var approvals = Optional(fields, "approvals") is { } a ? Approvals(a, Join(path, "approvals")) : null;
        var evaluationTimeout = Optional(fields, "evaluationTimeout") is { } t ? Duration(t, Join(path, "evaluationTimeout")) : null;
        return _errors.Count == before ? new StagePolicy(target, from, gates!, approvals, evaluationTimeout) : null;
    }

    private List<Stage> From(Stage target, PositionedJsonNode node, string path)
    {
        var stages = new List<Stage>();
        var items = Array(node, path);
        if (items is null) return stages;
        if (items.Count == 0) Error(node.Offset, path, "must list at least one stage");
        for (var i = 0; i < items.Count; i++)
        {
            var at = $"{path}[{i}]";
            // Promotion only moves forward: a source must come before the target.
            var earlier = StageNames.All.Take((int)target).ToList();
            if (OneOf(items[i], at, earlier) is not { } name) continue;
            var stage = StageNames.Parse(name);
            if (stages.Contains(stage)) Error(items[i].Offset, at, $"'{name}' is listed more than once");
            else stages.Add(stage);
        }
        return stages;
    }

    private StageGates? Gates(PositionedJsonNode node, string path)
    {
        if (Fields(node, path, "requiredSuites", "metrics", "bias", "maxFindingSeverity") is not { } fields) return null;
        var suites = Optional(fields, "requiredSuites") is { } s ? Names(s, Join(path, "requiredSuites"), "suite name") : [];
        var metrics = new List<MetricGate>();
        if (Optional(fields, "metrics") is { } m)
        {
            foreach (var (item, i) in (Array(m, Join(path, "metrics")) ?? []).Select((n, i) => (n, i)))
            {
                if (Metric(item, $"{path}.metrics[{i}]", suites) is { } gate) metrics.Add(gate);
            }
        }
        var bias = new List<BiasLimit>();
        if (Optional(fields, "bias") is { } b)
        {
            var items = Array(b, Join(path, "bias")) ?? [];
            if (items.Count > 0 && suites.Count == 0 && Optional(fields, "requiredSuites") is null)
                Error(b.Offset, Join(path, "bias"), "needs requiredSuites: bias is read from the required suites' evaluations");
            foreach (var (item, i) in items.Select((n, i) => (n, i)))
            {
                if (Bias(item, $"{path}.bias[{i}]") is { } limit) bias.Add(limit);
            }
        }
        string? severity = null;
        if (Optional(fields, "maxFindingSeverity") is { } sev)
        {
            severity = OneOf(sev, Join(path, "maxFindingSeverity"), FindingSeverities.All);
            if (severity is not null && suites.Count == 0 && Optional(fields, "requiredSuites") is null)
                Error(sev.Offset, Join(path, "maxFindingSeverity"), "needs requiredSuites: findings are read from the required suites' evaluations");
        }
        return new StageGates(suites, metrics, bias, severity);
    }

    private MetricGate? Metric(PositionedJsonNode node, string path, List<string> suites)
    {
        if (Fields(node, path, "suite", "name", "direction", "threshold") is not { } fields) return null;
        var suiteNode = Required(fields, node, path, "suite");
        var suite = suiteNode is null ? null : Name(suiteNode, Join(path, "suite"), "suite name");
        if (suite is not null && !suites.Contains(suite, StringComparer.Ordinal))
            Error(suiteNode!.Offset, Join(path, "suite"), $"{Quoted(suite)} is not in requiredSuites, so it would never be evaluated");
        var name = Required(fields, node, path, "name") is { } n ? Name(n, Join(path, "name"), "metric name") : null;
        var direction = Required(fields, node, path, "direction") is { } d ? OneOf(d, Join(path, "direction"), ["at_least", "at_most"]) : null;
        var threshold = Required(fields, node, path, "threshold") is { } t ? Number(t, Join(path, "threshold"), double.MinValue) : null;
        return suite is null || name is null || direction is null || threshold is null
            ? null
            : new MetricGate(suite, name, direction == "at_least" ? MetricDirection.AtLeast : MetricDirection.AtMost, threshold.Value);
    }

    private BiasLimit? Bias(PositionedJsonNode node, string path)
    {
        if (Fields(node, path, "metric", "maxAbs") is not { } fields) return null;
        var metric = Required(fields, node, path, "metric") is { } m ? Name(m, Join(path, "metric"), "metric name") : null;
        var maxAbs = Required(fields, node, path, "maxAbs") is { } a ? Number(a, Join(path, "maxAbs"), 0) : null;
        return metric is null || maxAbs is null ? null : new BiasLimit(metric, maxAbs.Value);
    }

    private ApprovalPolicy? Approvals(PositionedJsonNode node, string path)
    {
        if (Fields(node, path, "roles", "distinctApprovers", "timeout") is not { } fields) return null;
        var rolesNode = Required(fields, node, path, "roles");
        var roles = rolesNode is null ? [] : Names(rolesNode, Join(path, "roles"), "role name");
        if (rolesNode is { Kind: JsonTokenType.StartArray, Items.Count: 0 })
            Error(rolesNode.Offset, Join(path, "roles"), "must list at least one role; leave out approvals when no one needs to sign");
        var countNode = Required(fields, node, path, "distinctApprovers");
        var count = countNode is null ? null : Count(countNode, Join(path, "distinctApprovers"));
        if (count is { } c && c < roles.Count)
            Error(countNode!.Offset, Join(path, "distinctApprovers"),
                $"{c} is fewer than the {roles.Count} roles; each role needs its own approver");
        var timeout = Required(fields, node, path, "timeout") is { } t ? Duration(t, Join(path, "timeout")) : null;
        return count is null || timeout is null ? null : new ApprovalPolicy(roles, count.Value, timeout.Value);
    }
}
