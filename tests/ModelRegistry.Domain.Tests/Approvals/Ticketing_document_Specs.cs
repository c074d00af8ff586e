using System.Reflection;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using ModelRegistry.Contracts.Promotion;
using ModelRegistry.Promotion.Approvals;
using ModelRegistry.Platform.Rules;

namespace ModelRegistry.Domain.Tests.Approvals;

/// <summary>The worked example, the Python code and the reason codes in docs/ticketing.md are what the code does.</summary>
public class Ticketing_document_Specs
{
    private static readonly string Repo = Path.GetFullPath(Path.Combine(AppContext.BaseDirectory, "../../../../.."));
    private static readonly string Doc = File.ReadAllText(Path.Combine(Repo, "docs/ticketing.md"));
    private static readonly JsonSerializerOptions Web = new(JsonSerializerDefaults.Web);

    private static string Block(string name)
    {
        var match = Regex.Match(Doc, $"<!-- ticketing-example: {Regex.Escape(name)} -->\\n```[a-z]+\\n(?<body>.*?)\\n```", RegexOptions.Singleline);
        Assert.True(match.Success, $"docs/ticketing.md has no '{name}' block");
        return match.Groups["body"].Value;
    }

    private static string Secret => Block("secret");
    private static string Signature => Block("signature");
    private static ApprovalDecided Message => JsonSerializer.Deserialize<ApprovalDecided>(Block("message"), Web)!;

    [Fact]
    public void The_canonical_form_shown_is_the_one_signed()
    {
        var canonical = ApprovalSignature.Canonical(Message);
        Assert.Equal(Block("canonical") + "\n", Encoding.UTF8.GetString(canonical));
        Assert.Equal(Convert.FromHexString(Regex.Replace(Block("canonical-hex"), "\\s", "")), canonical);
        Assert.Contains($"Its canonical form, {canonical.Length} bytes", Doc, StringComparison.Ordinal);
    }

    [Fact]
    public void The_signature_shown_is_the_one_computed()
    {
        Assert.Matches("^[0-9a-f]{64}$", Signature);
        Assert.Equal(Signature, ApprovalSignature.Compute(Message, ApprovalSignature.SecretBytes(Secret)));
        Assert.Equal(Signature, Message.Signature);
        Assert.Contains($"keyed with the secret's {Encoding.UTF8.GetByteCount(Secret)} UTF-8 bytes", Doc, StringComparison.Ordinal);
    }

    [Fact]
    public void The_example_is_accepted_with_the_documented_configuration()
    {
        var ticketing = new TicketingOptions { Integrations = { ["jira"] = new TicketingIntegrationOptions { Secret = Secret } } };
        Assert.Empty(ticketing.Validate());
        Assert.Null(ApprovalAuthentication.Check(Message, ticketing, ApproverDirectory.Of(("alice", ["model-risk-officer"]))));
    }

    [Fact]
    public void The_message_section_shows_the_same_body_as_the_worked_example()
    {
        var section = Regex.Match(Doc, "## ApprovalDecided\\n.*?```json\\n(?<json>.*?)\\n```", RegexOptions.Singleline).Groups["json"].Value;
        Assert.Equal(Block("message"), section);
    }

    [Fact]
    public async Task The_python_code_computes_the_documented_signature()
    {
        var driver = Block("python") + """


            import json, sys
            from datetime import timedelta
            case = json.loads(sys.stdin.read())
            body = case["body"]
            del body["signature"]
            print(sign(body, case["secret"]))
            # The same instant written another way signs the same.
            print(sign(dict(body, decidedAt="2026-11-26T15:03:07.250000+01:00", promotionId=body["promotionId"].upper()), case["secret"]))
            print(signed_time(datetime(2026, 11, 26, 15, 3, 7, 250000, tzinfo=timezone(timedelta(hours=1)))))
            """;
        var input = JsonSerializer.Serialize(new { secret = Secret, body = JsonSerializer.Deserialize<JsonElement>(Block("message")) });

        var output = await ApprovalSignature_python_Specs.RunPythonAsync(driver, input);

        Assert.Equal([Signature, Signature, "2026-11-26T14:03:07.250000Z"], output);
    }

    [Fact]
    public void The_reason_code_table_lists_every_refusal_and_nothing_else()
    {
        var table = Regex.Match(Doc, "## ApprovalRefused and reason codes\\n.*?\\| code \\| when \\|\\n\\|---\\|---\\|\\n(?<rows>(\\|.*\\n)+)", RegexOptions.Singleline)
            .Groups["rows"].Value;
        var documented = Regex.Matches(table, "^\\| `(?<code>[a-z_]+)` \\|", RegexOptions.Multiline).Select(m => m.Groups["code"].Value).Order().ToList();
        var defined = typeof(ApprovalRefusals).GetFields(BindingFlags.Public | BindingFlags.Static)
            .Select(f => (string)f.GetRawConstantValue()!).Order().ToList();
        Assert.Equal(defined, documented);
    }

    [Fact]
    public void The_refusal_shown_is_the_one_given()
    {
        var shown = JsonSerializer.Deserialize<ApprovalRefused>(
            Regex.Match(Doc, "## ApprovalRefused and reason codes\\n.*?```json\\n(?<json>.*?)\\n```", RegexOptions.Singleline).Groups["json"].Value, Web)!;
        var ticketing = new TicketingOptions { Integrations = { ["jira"] = new TicketingIntegrationOptions { Secret = Secret } } };
        var decision = ApprovalSignature.Sign(Message with { Approver = shown.Approver, Role = shown.Role }, ApprovalSignature.SecretBytes(Secret));
        var rejection = ApprovalAuthentication.Check(decision, ticketing, ApproverDirectory.Of(("bob", ["security-review"])));
        Assert.Equal(new Rejection(shown.ReasonCode, shown.Message), rejection);
    }
}
