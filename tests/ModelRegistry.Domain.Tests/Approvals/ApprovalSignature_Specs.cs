using System.Text;
using System.Text.Json;
using ModelRegistry.Contracts.Promotion;
using ModelRegistry.Promotion.Approvals;

namespace ModelRegistry.Domain.Tests.Approvals;

public class ApprovalSignature_Specs
{
    private static string Canonical(ApprovalDecided m) => Encoding.UTF8.GetString(ApprovalSignature.Canonical(m));

    [Fact]
    public void The_canonical_form_is_the_tag_then_thirteen_length_prefixed_fields_what_is_approved_first() =>
        Assert.Equal(
            "mreg-approval-v2\n" +
            "36:3f2504e0-4f89-41d3-9a0c-0305e82c3301\n" +
            "13:ticket-router\n" +
            "1:4\n" +
            "10:production\n" +
            "71:sha256:2d20c7e67981cb488b7a0f7c9e0ebcb3abd8b66b93d17291f214f221abb32b4c\n" +
            "64:8c1f0e5a9b3d47e2a6f4c0d9e8b7a6f5c4d3e2f1a0b9c8d7e6f5a4b3c2d1e0f9\n" +
            "4:jira\n" +
            "10:MRISK-1042\n" +
            "5:alice\n" +
            "18:model-risk-officer\n" +
            "8:approved\n" +
            "27:Gates and lineage reviewed.\n" +
            "27:2026-11-26T14:03:07.250000Z\n",
            Canonical(Decisions.Unsigned));

    [Fact]
    public void The_v1_form_is_the_old_tag_then_eight_fields_and_names_nothing_approved() =>
        Assert.Equal(
            "mreg-approval-v1\n" +
            "36:3f2504e0-4f89-41d3-9a0c-0305e82c3301\n" +
            "4:jira\n" +
            "10:MRISK-1042\n" +
            "5:alice\n" +
            "18:model-risk-officer\n" +
            "8:approved\n" +
            "27:Gates and lineage reviewed.\n" +
            "27:2026-11-26T14:03:07.250000Z\n",
            Encoding.UTF8.GetString(ApprovalSignature.CanonicalV1(Decisions.Unsigned)));

    [Fact]
    public void Lengths_count_utf8_bytes_not_characters()
    {
        var canonical = ApprovalSignature.Canonical(Decisions.Unsigned with { Comment = "geprüft ✓ 🚀" });
        // g e p r ü(2) f t ' ' ✓(3) ' ' 🚀(4) = 7 + 2 + 3 + 4 + ... : 17 bytes in all.
        Assert.Contains("\n17:geprüft ✓ 🚀\n", Encoding.UTF8.GetString(canonical), StringComparison.Ordinal);
    }

    [Fact]
    public void An_empty_comment_is_a_zero_length_field() =>
        Assert.Contains("\n8:approved\n0:\n27:", Canonical(Decisions.Unsigned with { Comment = "" }), StringComparison.Ordinal);

    [Fact]
    public void The_promotion_id_is_lower_case_and_hyphenated_whatever_its_source() =>
        Assert.Contains("\n36:abcdef01-2345-6789-abcd-ef0123456789\n",
            Canonical(Decisions.Unsigned with { PromotionId = Guid.Parse("{ABCDEF01-2345-6789-ABCD-EF0123456789}") }), StringComparison.Ordinal);

    [Fact]
    public void The_time_is_utc_truncated_to_microseconds()
    {
        // 16:03:07.2509999 at +02:00 is 14:03:07.2509999Z; the 100 ns digit is dropped, never rounded up.
        var decidedAt = new DateTimeOffset(2026, 11, 26, 16, 3, 7, TimeSpan.FromHours(2)).AddTicks(2_509_999);
        Assert.EndsWith("\n27:2026-11-26T14:03:07.250999Z\n", Canonical(Decisions.Unsigned with { DecidedAt = decidedAt }), StringComparison.Ordinal);
    }

    [Fact]
    public void Moving_text_between_fields_changes_the_canonical_form()
    {
        // Without lengths, "a\n" + "b" and "a" + "\nb" would join to the same bytes.
        var one = Decisions.Unsigned with { TicketId = "T-1\n5:alice", Approver = "x" };
        var two = Decisions.Unsigned with { TicketId = "T-1", Approver = "alice\n1:x" };
        Assert.NotEqual(Canonical(one), Canonical(two));
        Assert.NotEqual(ApprovalSignature.Compute(one, Decisions.JiraKey), ApprovalSignature.Compute(two, Decisions.JiraKey));
    }

    [Fact]
    public void The_signature_is_64_lower_case_hex_digits()
    {
        var signature = ApprovalSignature.Compute(Decisions.Unsigned, Decisions.JiraKey);
        Assert.Matches("^[0-9a-f]{64}$", signature);
        Assert.Equal(signature, Decisions.Signed().Signature);
    }

    [Fact]
    public void A_signed_message_verifies() => Assert.True(ApprovalSignature.Verify(Decisions.Signed(), Decisions.JiraKey));

    [Fact]
    public void It_survives_a_json_round_trip_even_with_sub_microsecond_ticks()
    {
        var signed = Decisions.Signed(m => m with { DecidedAt = DateTimeOffset.UtcNow, Comment = "Ölprüfung \"ok\"\n\t\u2028" });
        var web = new JsonSerializerOptions(JsonSerializerDefaults.Web);
        var back = JsonSerializer.Deserialize<ApprovalDecided>(JsonSerializer.Serialize(signed, web), web)!;
        Assert.True(ApprovalSignature.Verify(back, Decisions.JiraKey));
    }

    public static TheoryData<string, Func<ApprovalDecided, ApprovalDecided>> Changes => new()
    {
        { "promotion", m => m with { PromotionId = Guid.Parse("3f2504e0-4f89-41d3-9a0c-0305e82c3302") } },
        { "integration", m => m with { Integration = "servicenow" } },
        { "ticket", m => m with { TicketId = "MRISK-1043" } },
        { "approver", m => m with { Approver = "Alice" } },
        { "role", m => m with { Role = "security-review" } },
        { "decision", m => m with { Decision = "rejected" } },
        { "comment", m => m with { Comment = "Gates and lineage reviewed" } },
        { "time", m => m with { DecidedAt = m.DecidedAt.AddTicks(10) } },
        { "model", m => m with { ModelName = "toy-model" } },
        { "version", m => m with { Version = 3 } },
        { "stage", m => m with { TargetStage = "staging" } },
        { "digest", m => m with { ManifestDigest = "sha256:" + new string('0', 64) } },
        { "nonce", m => m with { Nonce = new string('a', 64) } },
    };

    [Theory]
    [MemberData(nameof(Changes))]
    public void Changing_any_signed_field_breaks_the_signature(string field, Func<ApprovalDecided, ApprovalDecided> change)
    {
        var tampered = change(Decisions.Signed());
        Assert.False(ApprovalSignature.Verify(tampered, Decisions.JiraKey), field);
    }

    [Fact]
    public void A_change_below_a_microsecond_is_not_signed_and_so_does_not_break_it()
    {
        var signed = Decisions.Signed();
        Assert.True(ApprovalSignature.Verify(signed with { DecidedAt = signed.DecidedAt.AddTicks(9) }, Decisions.JiraKey));
    }

    [Fact]
    public void Another_secret_does_not_verify() =>
        Assert.False(ApprovalSignature.Verify(Decisions.Signed(), ApprovalSignature.SecretBytes(Decisions.ServiceNowSecret)));

    [Theory]
    [InlineData("")]
    [InlineData("abc")]
    [InlineData("zz")]
    public void A_missing_or_malformed_signature_does_not_verify(string signature) =>
        Assert.False(ApprovalSignature.Verify(Decisions.Unsigned with { Signature = signature }, Decisions.JiraKey));

    [Fact]
    public void An_upper_case_signature_does_not_verify()
    {
        var signed = Decisions.Signed();
        Assert.False(ApprovalSignature.Verify(signed with { Signature = signed.Signature.ToUpperInvariant() }, Decisions.JiraKey));
    }

    [Fact]
    public void A_signature_with_one_digit_changed_does_not_verify()
    {
        var signed = Decisions.Signed();
        var last = signed.Signature[^1] == '0' ? '1' : '0';
        Assert.False(ApprovalSignature.Verify(signed with { Signature = signed.Signature[..^1] + last }, Decisions.JiraKey));
    }

    [Fact]
    public void An_empty_secret_never_verifies_and_cannot_sign()
    {
        Assert.False(ApprovalSignature.Verify(Decisions.Signed(), []));
        Assert.Throws<ArgumentException>(() => ApprovalSignature.Compute(Decisions.Unsigned, []));
    }

    [Fact]
    public void A_lone_surrogate_cannot_be_signed_and_does_not_verify()
    {
        var broken = Decisions.Signed() with { Comment = "bad \ud800" };
        Assert.Throws<FormatException>(() => ApprovalSignature.Compute(broken, Decisions.JiraKey));
        Assert.False(ApprovalSignature.Verify(broken, Decisions.JiraKey));
    }

    [Fact]
    public void A_secret_is_its_utf8_bytes_exactly_as_configured()
    {
        Assert.Equal("  ä"u8.ToArray(), ApprovalSignature.SecretBytes("  ä"));
        Assert.Throws<FormatException>(() => ApprovalSignature.SecretBytes("\udc00"));
    }

    [Fact]
    public void A_decision_without_a_nonce_is_in_the_v1_form_and_verifies_only_as_v1()
    {
        var v1 = ApprovalSignature.SignV1(Decisions.Unsigned, Decisions.JiraKey);
        Assert.True(ApprovalSignature.IsV1(v1));
        Assert.Equal(ApprovalSignature.ComputeV1(Decisions.Unsigned with { Nonce = "" }, Decisions.JiraKey), v1.Signature);
        Assert.True(ApprovalSignature.Verify(v1, Decisions.JiraKey));
        // The v1 signature does not say what is approved: the model, version, stage and digest may be anything.
        Assert.True(ApprovalSignature.Verify(v1 with { ModelName = "toy-model", Version = 1, TargetStage = "staging" }, Decisions.JiraKey));
    }

    [Fact]
    public void A_v2_signature_never_verifies_as_v1_nor_a_v1_signature_as_v2()
    {
        var v2 = Decisions.Signed();
        Assert.False(ApprovalSignature.Verify(v2 with { Nonce = "" }, Decisions.JiraKey));
        var v1 = ApprovalSignature.SignV1(Decisions.Unsigned, Decisions.JiraKey);
        Assert.False(ApprovalSignature.Verify(v1 with { Nonce = Decisions.Nonce }, Decisions.JiraKey));
    }
}
