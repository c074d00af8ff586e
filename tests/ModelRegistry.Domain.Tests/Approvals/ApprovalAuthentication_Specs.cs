using ModelRegistry.Contracts.Promotion;
using ModelRegistry.Promotion.Approvals;
using ModelRegistry.Platform.Rules;

namespace ModelRegistry.Domain.Tests.Approvals;

public class ApprovalAuthentication_Specs
{
    private static Rejection? Check(ApprovalDecided message) => ApprovalAuthentication.Check(message, Decisions.Ticketing, Decisions.Directory);

    private static Rejection Refused(ApprovalDecided message, string reasonCode)
    {
        var rejection = Check(message);
        Assert.NotNull(rejection);
        Assert.Equal(reasonCode, rejection.ReasonCode);
        return rejection;
    }

    [Fact]
    public void A_signed_decision_by_a_person_holding_the_role_is_accepted() => Assert.Null(Check(Decisions.Signed()));

    [Fact]
    public void A_rejection_is_as_acceptable_as_an_approval() => Assert.Null(Check(Decisions.Signed(m => m with { Decision = "rejected" })));

    [Fact]
    public void An_empty_comment_is_fine() => Assert.Null(Check(Decisions.Signed(m => m with { Comment = "" })));

    [Fact]
    public void The_approver_is_found_whatever_the_case() => Assert.Null(Check(Decisions.Signed(m => m with { Approver = "ALICE" })));

    [Fact]
    public void Either_of_two_held_roles_may_be_signed_as() =>
        Assert.Null(Check(Decisions.Signed(m => m with { Approver = "carol", Role = "security-review" })));

    [Fact]
    public void Each_integration_signs_with_its_own_secret() =>
        Assert.Null(Check(Decisions.Signed(m => m with { Integration = "servicenow" }, Decisions.Ticketing.SecretOf("servicenow"))));

    public static TheoryData<string, Func<ApprovalDecided, ApprovalDecided>, string> InvalidFields => new()
    {
        { "nil promotion", m => m with { PromotionId = Guid.Empty }, "promotionId: required (not the nil UUID)" },
        { "no integration", m => m with { Integration = "" }, "integration: required" },
        { "no ticket", m => m with { TicketId = "" }, "ticketId: required" },
        { "blank ticket", m => m with { TicketId = "  " }, "ticketId: required" },
        { "long ticket", m => m with { TicketId = new string('t', 201) }, "ticketId: 201 characters, at most 200" },
        { "no approver", m => m with { Approver = "" }, "approver: required" },
        { "approver with NUL", m => m with { Approver = "ali\0ce" }, "approver: contains a NUL character at index 3" },
        { "no role", m => m with { Role = "" }, "role: required" },
        { "no decision", m => m with { Decision = "" }, "decision: required (approved or rejected)" },
        { "other decision", m => m with { Decision = "approve" }, "decision: 'approve' is not one of approved, rejected" },
        { "capitalised decision", m => m with { Decision = "Approved" }, "decision: 'Approved' is not one of approved, rejected" },
        { "long comment", m => m with { Comment = new string('c', 4001) }, "comment: 4001 characters, at most 4000" },
        { "lone surrogate", m => m with { Comment = "x\ud800" }, "comment: contains an unpaired UTF-16 surrogate at index 1" },
        { "no time", m => m with { DecidedAt = default }, "decidedAt: required" },
        {
            "time without an offset", m => m with { DecidedAt = FieldRules.TimestampWithoutOffset },
            "decidedAt: the timestamp has no UTC offset; send it as 2026-11-26T12:00:00Z or with +hh:mm (without one it would be read in the registry host's time zone)"
        },
    };

    [Theory]
    [MemberData(nameof(InvalidFields))]
    public void A_missing_or_malformed_field_is_an_invalid_decision(string what, Func<ApprovalDecided, ApprovalDecided> change, string message)
    {
        // Signed with the right secret where it can be, so only the field is wrong.
        var m = change(Decisions.Unsigned);
        ApprovalDecided signed;
        try
        {
            signed = ApprovalSignature.Sign(m, Decisions.JiraKey);
        }
        catch (FormatException)
        {
            signed = m;
        }
        Assert.Equal(message, Refused(signed, ApprovalRefusals.InvalidDecision).Message);
        _ = what;
    }

    [Fact]
    public void An_invalid_decision_is_refused_before_its_integration_or_signature_are_looked_at() =>
        Refused(Decisions.Unsigned with { Integration = "nobody", Decision = "maybe" }, ApprovalRefusals.InvalidDecision);

    [Fact]
    public void An_unconfigured_integration_is_unknown()
    {
        var rejection = Refused(Decisions.Signed(m => m with { Integration = "github" }), ApprovalRefusals.UnknownIntegration);
        Assert.Equal("integration: 'github' is not a configured ticketing integration (Ticketing:Integrations)", rejection.Message);
    }

    [Fact]
    public void Integration_names_are_compared_exactly() =>
        Refused(Decisions.Signed(m => m with { Integration = "Jira" }), ApprovalRefusals.UnknownIntegration);

    [Fact]
    public void An_integration_configured_without_a_secret_is_unknown()
    {
        var ticketing = new TicketingOptions { Integrations = { ["jira"] = new TicketingIntegrationOptions { Secret = "" } } };
        Assert.Equal(ApprovalRefusals.UnknownIntegration, ApprovalAuthentication.Check(Decisions.Signed(), ticketing, Decisions.Directory)?.ReasonCode);
    }

    [Fact]
    public void An_unknown_integration_is_refused_before_the_signature_is_looked_at() =>
        Refused(Decisions.Unsigned with { Integration = "github" }, ApprovalRefusals.UnknownIntegration);

    [Fact]
    public void An_unsigned_decision_has_a_bad_signature() =>
        Assert.Equal("signature: missing; every decision must be signed (docs/ticketing.md)",
            Refused(Decisions.Unsigned, ApprovalRefusals.BadSignature).Message);

    [Fact]
    public void A_malformed_signature_is_bad() =>
        Assert.Equal("signature: must be 64 lower-case hex digits (HMAC-SHA256), got 6 characters",
            Refused(Decisions.Unsigned with { Signature = "abc123" }, ApprovalRefusals.BadSignature).Message);

    [Fact]
    public void A_signature_made_with_another_integrations_secret_is_bad() =>
        Refused(Decisions.Signed(key: Decisions.Ticketing.SecretOf("servicenow")), ApprovalRefusals.BadSignature);

    [Fact]
    public void A_decision_changed_after_signing_has_a_bad_signature() =>
        Refused(Decisions.Signed() with { Decision = "rejected" }, ApprovalRefusals.BadSignature);

    [Fact]
    public void A_bad_signature_message_shows_neither_the_secret_nor_the_expected_signature()
    {
        var forged = Decisions.Signed() with { Approver = "carol" };
        var rejection = Refused(forged, ApprovalRefusals.BadSignature);
        var expected = ApprovalSignature.Compute(forged, Decisions.JiraKey);
        Assert.DoesNotContain(expected, rejection.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(expected[..16], rejection.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(Decisions.JiraSecret, rejection.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(Decisions.JiraSecret[..12], rejection.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_forged_decision_by_an_unknown_person_is_refused_for_its_signature_first() =>
        Refused(Decisions.Unsigned with { Approver = "mallory", Signature = new string('0', 64) }, ApprovalRefusals.BadSignature);

    [Fact]
    public void A_signed_decision_by_someone_not_in_the_directory_is_refused()
    {
        var rejection = Refused(Decisions.Signed(m => m with { Approver = "mallory" }), ApprovalRefusals.ApproverUnknown);
        Assert.Equal("approver: 'mallory' is not in the approver directory (Approvers)", rejection.Message);
    }

    [Fact]
    public void A_person_signing_as_a_role_they_do_not_hold_is_refused()
    {
        var rejection = Refused(Decisions.Signed(m => m with { Approver = "bob", Role = "model-risk-officer" }), ApprovalRefusals.ApproverLacksRole);
        Assert.Equal("role: 'bob' does not hold role 'model-risk-officer'; holds: security-review", rejection.Message);
    }

    [Fact]
    public void Roles_are_compared_exactly() =>
        Refused(Decisions.Signed(m => m with { Role = "Model-Risk-Officer" }), ApprovalRefusals.ApproverLacksRole);

    [Fact]
    public void Nobody_is_known_to_an_empty_directory() =>
        Assert.Equal(ApprovalRefusals.ApproverUnknown,
            ApprovalAuthentication.Check(Decisions.Signed(), Decisions.Ticketing, new ApproverDirectory(new ApproversOptions()))?.ReasonCode);

    [Fact]
    public void Nothing_is_accepted_without_integrations() =>
        Assert.Equal(ApprovalRefusals.UnknownIntegration,
            ApprovalAuthentication.Check(Decisions.Signed(), new TicketingOptions(), Decisions.Directory)?.ReasonCode);

    [Fact]
    public void Hostile_text_is_quoted_safely_in_messages()
    {
        var rejection = Refused(Decisions.Signed(m => m with { Approver = "eve'\n\u001b[31m" }), ApprovalRefusals.ApproverUnknown);
        Assert.Equal("approver: 'eve\\'\\u000A\\u001B[31m' is not in the approver directory (Approvers)", rejection.Message);
    }

    [Fact]
    public void The_refusal_codes_shared_with_the_promotion_rules_are_the_same_strings()
    {
        Assert.Equal("role_not_required", ApprovalRefusals.RoleNotRequired);
        Assert.Equal("self_approval", ApprovalRefusals.SelfApproval);
        Assert.Equal("duplicate_vote", ApprovalRefusals.DuplicateVote);
        Assert.Equal("no_approval_required", ApprovalRefusals.NoApprovalRequired);
        Assert.Equal("promotion_finished", ApprovalRefusals.PromotionFinished);
        Assert.Equal("unknown_promotion", ApprovalRefusals.UnknownPromotion);
    }
}
