using System.Text;
using ModelRegistry.Contracts.Promotion;
using ModelRegistry.Promotion.Approvals;

namespace ModelRegistry.Domain.Tests.Approvals;

public class ApprovalRequestSignature_Specs
{
    internal static ApprovalRequested Request => new()
    {
        PromotionId = Guid.Parse("3f2504e0-4f89-41d3-9a0c-0305e82c3301"),
        ModelName = "ticket-router",
        Version = 4,
        FromStage = "canary",
        TargetStage = "production",
        RiskTier = "high",
        RequestedBy = "rachel",
        Reason = "Canary clean for 7 days; accuracy +1.2 points.",
        ChangeTicket = "CHG-20931",
        RequiredRoles = ["model-risk-officer", "security-review"],
        DistinctApprovers = 2,
        Deadline = new DateTimeOffset(2026, 11, 29, 14, 0, 0, TimeSpan.Zero),
        Evidence = new PromotionEvidence { ManifestDigest = Decisions.Digest, TrainingRunId = "run-2026-11-26-0042" },
        Nonce = Decisions.Nonce,
    };

    [Fact]
    public void The_canonical_form_is_the_tag_then_fifteen_fields_for_one_integration() =>
        Assert.Equal(
            "mreg-approval-request-v1\n" +
            "36:3f2504e0-4f89-41d3-9a0c-0305e82c3301\n" +
            "4:jira\n" +
            "13:ticket-router\n" +
            "1:4\n" +
            "6:canary\n" +
            "10:production\n" +
            "4:high\n" +
            "6:rachel\n" +
            "46:Canary clean for 7 days; accuracy +1.2 points.\n" +
            "9:CHG-20931\n" +
            "34:model-risk-officer,security-review\n" +
            "1:2\n" +
            "27:2026-11-29T14:00:00.000000Z\n" +
            "71:sha256:2d20c7e67981cb488b7a0f7c9e0ebcb3abd8b66b93d17291f214f221abb32b4c\n" +
            "64:8c1f0e5a9b3d47e2a6f4c0d9e8b7a6f5c4d3e2f1a0b9c8d7e6f5a4b3c2d1e0f9\n",
            Encoding.UTF8.GetString(ApprovalRequestSignature.Canonical(Request, "jira")));

    [Fact]
    public void Each_configured_integration_gets_its_own_signature_and_verifies_only_its_own()
    {
        var signatures = ApprovalRequestSignature.ForEach(Request, Decisions.Ticketing);
        Assert.Equal(["jira", "servicenow"], signatures.Keys.Order(StringComparer.Ordinal));
        Assert.NotEqual(signatures["jira"], signatures["servicenow"]);
        var signed = Request with { Signatures = signatures };
        Assert.True(ApprovalRequestSignature.Verify(signed, "jira", Decisions.JiraKey));
        Assert.True(ApprovalRequestSignature.Verify(signed, "servicenow", ApprovalSignature.SecretBytes(Decisions.ServiceNowSecret)));
        // jira's key over servicenow's entry, or the other way round, does not verify.
        Assert.False(ApprovalRequestSignature.Verify(signed, "servicenow", Decisions.JiraKey));
    }

    public static TheoryData<string, Func<ApprovalRequested, ApprovalRequested>> Forgeries => new()
    {
        { "model", r => r with { ModelName = "toy-model" } },
        { "version", r => r with { Version = 1 } },
        { "from stage", r => r with { FromStage = "staging" } },
        { "target stage", r => r with { TargetStage = "staging" } },
        { "tier", r => r with { RiskTier = "low" } },
        { "requester", r => r with { RequestedBy = "mallory" } },
        { "reason", r => r with { Reason = "trivial" } },
        { "change ticket", r => r with { ChangeTicket = null } },
        { "roles", r => r with { RequiredRoles = ["model-risk-officer"] } },
        { "distinct", r => r with { DistinctApprovers = 1 } },
        { "deadline", r => r with { Deadline = r.Deadline.AddDays(30) } },
        { "digest", r => r with { Evidence = r.Evidence with { ManifestDigest = "sha256:" + new string('0', 64) } } },
        { "nonce", r => r with { Nonce = new string('b', 64) } },
        { "promotion", r => r with { PromotionId = Guid.NewGuid() } },
    };

    [Theory]
    [MemberData(nameof(Forgeries))]
    public void A_request_changed_after_signing_does_not_verify(string field, Func<ApprovalRequested, ApprovalRequested> change)
    {
        var signed = Request with { Signatures = ApprovalRequestSignature.ForEach(Request, Decisions.Ticketing) };
        Assert.False(ApprovalRequestSignature.Verify(change(signed), "jira", Decisions.JiraKey), field);
    }

    [Fact]
    public void An_unsigned_request_or_one_with_a_malformed_entry_does_not_verify()
    {
        Assert.False(ApprovalRequestSignature.Verify(Request, "jira", Decisions.JiraKey));
        Assert.False(ApprovalRequestSignature.Verify(Request with { Signatures = new Dictionary<string, string> { ["jira"] = "zz" } }, "jira", Decisions.JiraKey));
    }

    [Fact]
    public void The_evidence_beyond_the_manifest_digest_is_not_signed()
    {
        var signed = Request with { Signatures = ApprovalRequestSignature.ForEach(Request, Decisions.Ticketing) };
        Assert.True(ApprovalRequestSignature.Verify(signed with { Evidence = signed.Evidence with { TrainingRunId = "other" } }, "jira", Decisions.JiraKey));
    }

    [Fact]
    public void Nonces_are_64_lower_case_hex_digits_and_new_each_time()
    {
        var (one, two) = (ApprovalRequestSignature.NewNonce(), ApprovalRequestSignature.NewNonce());
        Assert.Matches("^[0-9a-f]{64}$", one);
        Assert.NotEqual(one, two);
    }
}
