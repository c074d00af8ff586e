using ModelRegistry.Contracts.Promotion;
using ModelRegistry.Promotion.Approvals;
using ModelRegistry.Platform.Rules;

namespace ModelRegistry.Domain.Tests.Approvals;

/// <summary>The v2 fields, the v1 form, and the integrations' allow-lists.</summary>
public class ApprovalAuthentication_v2_Specs
{
    private static TicketingOptions Ticketing(Action<TicketingIntegrationOptions> jira)
    {
        var options = Decisions.Ticketing;
        jira(options.Integrations["jira"]);
        return options;
    }

    private static Rejection? Check(ApprovalDecided message, TicketingOptions? ticketing = null) =>
        ApprovalAuthentication.Check(message, ticketing ?? Decisions.Ticketing, Decisions.Directory);

    public static TheoryData<string, Func<ApprovalDecided, ApprovalDecided>, string> InvalidBoundFields => new()
    {
        { "short nonce", m => m with { Nonce = "abc" }, "nonce: must be 64 lower-case hex digits, as in the request, got 3 characters" },
        { "upper-case nonce", m => m with { Nonce = Decisions.Nonce.ToUpperInvariant() }, "nonce: must be 64 lower-case hex digits, as in the request, got 64 characters" },
        { "no model", m => m with { ModelName = "" }, "modelName: required" },
        { "no version", m => m with { Version = 0 }, "version: required, a positive number (got 0)" },
        { "no stage", m => m with { TargetStage = " " }, "targetStage: required" },
        { "no digest", m => m with { ManifestDigest = "" }, "manifestDigest: required" },
    };

    [Theory]
    [MemberData(nameof(InvalidBoundFields))]
    public void A_v2_decision_must_name_what_it_approves(string why, Func<ApprovalDecided, ApprovalDecided> change, string message)
    {
        var rejection = Check(Decisions.Signed(change));
        Assert.Equal(new Rejection(ApprovalRefusals.InvalidDecision, message), rejection);
        Assert.NotNull(why);
    }

    [Fact]
    public void A_v1_decision_is_refused_as_legacy_by_default_even_correctly_signed()
    {
        var v1 = ApprovalSignature.SignV1(Decisions.Unsigned, Decisions.JiraKey);
        var rejection = Check(v1);
        Assert.Equal(ApprovalRefusals.LegacySignature, rejection?.ReasonCode);
        Assert.StartsWith("nonce: missing, so the decision is in the old form mreg-approval-v1", rejection!.Message, StringComparison.Ordinal);
        Assert.True(ApprovalAuthentication.IsAuthentic(v1, Decisions.Ticketing));
    }

    [Fact]
    public void A_v1_decision_counts_where_its_integration_accepts_the_old_form()
    {
        var accepting = Ticketing(j => j.AcceptV1Decisions = true);
        Assert.Null(Check(ApprovalSignature.SignV1(Decisions.Unsigned, Decisions.JiraKey), accepting));
        // ... but only its own: servicenow still refuses it.
        var servicenow = ApprovalSignature.SignV1(Decisions.Unsigned with { Integration = "servicenow" },
            ApprovalSignature.SecretBytes(Decisions.ServiceNowSecret));
        Assert.Equal(ApprovalRefusals.LegacySignature, Check(servicenow, accepting)?.ReasonCode);
    }

    [Fact]
    public void A_v1_signature_with_a_made_up_nonce_is_a_bad_signature()
    {
        var v1 = ApprovalSignature.SignV1(Decisions.Unsigned, Decisions.JiraKey) with { Nonce = Decisions.Nonce };
        Assert.Equal(ApprovalRefusals.BadSignature, Check(v1)?.ReasonCode);
        Assert.False(ApprovalAuthentication.IsAuthentic(v1, Decisions.Ticketing));
    }

    [Fact]
    public void An_integration_may_speak_only_for_the_approvers_it_lists_ignoring_case()
    {
        var ticketing = Ticketing(j => j.Approvers = ["Bob", "carol"]);
        var rejection = Check(Decisions.Signed(), ticketing);
        Assert.Equal(new Rejection(ApprovalRefusals.ApproverNotAllowed,
            "approver: integration 'jira' may not speak for 'alice' (Ticketing:Integrations:jira:Approvers)"), rejection);
        Assert.Null(Check(Decisions.Signed(m => m with { Approver = "CAROL" }), ticketing));
    }

    [Fact]
    public void An_integration_may_sign_only_for_the_roles_it_lists_exactly()
    {
        var ticketing = Ticketing(j => j.Roles = ["security-review"]);
        var rejection = Check(Decisions.Signed(m => m with { Approver = "carol" }), ticketing);
        Assert.Equal(new Rejection(ApprovalRefusals.RoleNotAllowed,
            "role: integration 'jira' may not sign for role 'model-risk-officer' (Ticketing:Integrations:jira:Roles)"), rejection);
        Assert.Null(Check(Decisions.Signed(m => m with { Approver = "carol", Role = "security-review" }), ticketing));
    }

    [Fact]
    public void The_allow_lists_come_after_the_signature_and_before_the_directory()
    {
        var ticketing = Ticketing(j => j.Approvers = ["bob"]);
        Assert.Equal(ApprovalRefusals.BadSignature, Check(Decisions.Signed() with { Comment = "changed" }, ticketing)?.ReasonCode);
        // zed is in no directory: the integration may not speak for him, which is said first.
        Assert.Equal(ApprovalRefusals.ApproverNotAllowed, Check(Decisions.Signed(m => m with { Approver = "zed" }), ticketing)?.ReasonCode);
    }

    [Fact]
    public void An_integration_with_empty_allow_lists_speaks_for_nobody()
    {
        var ticketing = Ticketing(j => (j.Approvers, j.Roles) = ([], []));
        Assert.Equal(ApprovalRefusals.ApproverNotAllowed, Check(Decisions.Signed(), ticketing)?.ReasonCode);
    }
}
