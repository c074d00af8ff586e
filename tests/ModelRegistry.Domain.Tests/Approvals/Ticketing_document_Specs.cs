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
    private static ApprovalRequested Request => JsonSerializer.Deserialize<ApprovalRequested>(Block("request"), Web)!;

    private static TicketingOptions Documented => new()
    {
        Integrations = { ["jira"] = new TicketingIntegrationOptions { Secret = Secret, Approvers = ["alice", "bob"], Roles = ["*"] } },
    };

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
    public void The_example_is_accepted_with_the_documented_configuration_and_answers_the_request_example()
    {
        var directory = ApproverDirectory.Of(("alice", ["model-risk-officer"]), ("bob", ["security-review"]));
        Assert.Empty(Documented.Validate());
        Assert.Empty(Documented.Validate(directory));
        Assert.Null(ApprovalAuthentication.Check(Message, Documented, directory));
        var request = Request;
        var terms = new ApprovalTerms(request.ModelName, request.Version, request.TargetStage, request.Evidence.ManifestDigest, request.Nonce,
            Message.DecidedAt.AddHours(-1), request.Deadline);
        Assert.Null(ApprovalBinding.Check(Message, terms, Message.DecidedAt.AddSeconds(1), TimeSpan.FromMinutes(5)));
    }

    [Fact]
    public void The_request_example_carries_the_signature_computed_for_jira()
    {
        var request = Request;
        Assert.Equal(Block("request-canonical") + "\n", Encoding.UTF8.GetString(ApprovalRequestSignature.Canonical(request, "jira")));
        Assert.Contains($"canonical form, {ApprovalRequestSignature.Canonical(request, "jira").Length} bytes", Doc, StringComparison.Ordinal);
        Assert.Equal(Block("request-signature"), ApprovalRequestSignature.Compute(request, "jira", ApprovalSignature.SecretBytes(Secret)));
        Assert.Equal(Block("request-signature"), request.Signatures["jira"]);
        Assert.Equal(ApprovalRequestSignature.ForEach(request, Documented), request.Signatures);
        Assert.True(ApprovalRequestSignature.Verify(request, "jira", ApprovalSignature.SecretBytes(Secret)));
    }

    [Fact]
    public void The_examples_of_messages_md_carry_signatures_that_verify_with_the_example_secret()
    {
        var examples = Path.Combine(Repo, "docs/examples");
        var request = JsonSerializer.Deserialize<ApprovalRequested>(File.ReadAllText(Path.Combine(examples, "ApprovalRequested.json")), Web)!;
        Assert.True(ApprovalRequestSignature.Verify(request, "jira", ApprovalSignature.SecretBytes(Secret)));
        var decision = JsonSerializer.Deserialize<ApprovalDecided>(File.ReadAllText(Path.Combine(examples, "ApprovalDecided.json")), Web)!;
        Assert.Equal(Message, decision);
        Assert.True(ApprovalSignature.Verify(decision, ApprovalSignature.SecretBytes(Secret)));
    }

    [Fact]
    public void The_canonical_forms_start_with_the_tags_the_code_uses()
    {
        Assert.StartsWith(ApprovalSignature.FormatTag + "\n", Block("canonical"), StringComparison.Ordinal);
        Assert.StartsWith(ApprovalRequestSignature.FormatTag + "\n", Block("request-canonical"), StringComparison.Ordinal);
        Assert.Contains($"tag `{ApprovalSignature.V1FormatTag}`", Doc, StringComparison.Ordinal);
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
            request = case["request"]
            print(request_is_from_registry(request, "jira", case["secret"]))
            print(request_is_from_registry(dict(request, version=3), "jira", case["secret"]))
            print(request_is_from_registry(request, "servicenow", case["secret"]))
            print(all(body[k] == v for k, v in decision_for(request).items()))
            """;
        var input = JsonSerializer.Serialize(new
        {
            secret = Secret,
            body = JsonSerializer.Deserialize<JsonElement>(Block("message")),
            request = JsonSerializer.Deserialize<JsonElement>(Block("request")),
        });

        var output = await ApprovalSignature_python_Specs.RunPythonAsync(driver, input);

        Assert.Equal([Signature, Signature, "2026-11-26T14:03:07.250000Z", "True", "False", "False", "True"], output);
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
        var decision = ApprovalSignature.Sign(Message with { Approver = shown.Approver, Role = shown.Role }, ApprovalSignature.SecretBytes(Secret));
        var rejection = ApprovalAuthentication.Check(decision, Documented, ApproverDirectory.Of(("bob", ["security-review"])));
        Assert.Equal(new Rejection(shown.ReasonCode, shown.Message), rejection);
    }
}
