using System.Reflection;
using System.Text.RegularExpressions;
using MassTransit;
using ModelRegistry.Promotion;
using ModelRegistry.Promotion.Approvals;
using ModelRegistry.Promotion.Rules;

namespace ModelRegistry.Components.Tests;

/// <summary>docs/promotion.md says what the code does: its policy example is the shipped policy, its diagram has the state
/// machine's states and events, and it lists every refusal code.</summary>
public partial class PromotionDocument_Specs
{
    private static readonly string Repo = Path.GetFullPath(Path.Combine(AppContext.BaseDirectory, "../../../../.."));
    private static readonly string Doc = File.ReadAllText(Path.Combine(Repo, "docs/promotion.md"));

    [GeneratedRegex("<!-- promotion-policy-example[^>]*-->\\s*```json\\n(?<json>.*?)\\n```", RegexOptions.Singleline)]
    private static partial Regex PolicyExample();

    [GeneratedRegex("<!-- promotion-state-machine[^>]*-->\\s*```mermaid\\n(?<diagram>.*?)\\n```", RegexOptions.Singleline)]
    private static partial Regex StateDiagram();

    [Fact]
    public void The_policy_example_is_the_shipped_policy_file_and_valid()
    {
        var example = PolicyExample().Match(Doc);
        Assert.True(example.Success, "docs/promotion.md has no promotion-policy-example json block");
        var shipped = File.ReadAllText(Path.Combine(Repo, "config/promotion-policy.json"));
        Assert.Equal(shipped.TrimEnd(), example.Groups["json"].Value.TrimEnd());

        var result = PromotionPolicy.Parse(shipped, "config/promotion-policy.json");
        Assert.True(result.IsValid, string.Join("\n", result.Errors));
    }

    [Fact]
    public void The_state_diagram_has_exactly_the_state_machines_states_and_every_event()
    {
        var diagram = StateDiagram().Match(Doc);
        Assert.True(diagram.Success, "docs/promotion.md has no promotion-state-machine mermaid block");
        var text = diagram.Groups["diagram"].Value;
        Assert.StartsWith("stateDiagram-v2", text);

        var drawn = Regex.Matches(text, @"^\s*(\S+)\s*-->\s*([^:\s]+)", RegexOptions.Multiline)
            .SelectMany(m => new[] { m.Groups[1].Value, m.Groups[2].Value })
            .Where(s => s != "[*]")
            .ToHashSet();
        var machine = typeof(PromotionStateMachine).GetProperties(BindingFlags.Public | BindingFlags.Instance | BindingFlags.DeclaredOnly);
        var states = machine.Where(p => p.PropertyType == typeof(State)).Select(p => p.Name).ToHashSet();
        Assert.Equal(states.Order(), drawn.Order());

        var events = machine.Where(p => p.PropertyType.IsGenericType && p.PropertyType.GetGenericTypeDefinition() == typeof(Event<>))
            .Select(p => p.PropertyType.GetGenericArguments()[0].Name)
            .ToList();
        Assert.Equal(6, events.Count);
        Assert.All(events, e => Assert.Contains(e, text, StringComparison.Ordinal));
    }

    public static TheoryData<string> RefusalCodes => new(
        typeof(PromotionRefusals).GetFields().Concat(typeof(ApprovalRefusals).GetFields())
            .Where(f => f.IsLiteral)
            .Select(f => (string)f.GetRawConstantValue()!)
            .Distinct());

    [Theory]
    [MemberData(nameof(RefusalCodes))]
    public void Every_refusal_code_of_the_rules_is_in_a_reason_code_table(string code) =>
        Assert.Contains($"| `{code}` |", Doc, StringComparison.Ordinal);
}
