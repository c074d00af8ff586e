using ModelRegistry.Contracts.Promotion;
using ModelRegistry.Promotion.Approvals;
using ModelRegistry.Platform.Rules;

namespace ModelRegistry.Domain.Tests.Approvals;

/// <summary>A decision names the promotion's own facts and comes in time.</summary>
public class ApprovalBinding_Specs
{
    private static readonly TimeSpan Skew = TimeSpan.FromMinutes(5);

    // Decided 14:03:07.25, processed a second later; requested at 13:03:07, due the next day.
    private static readonly DateTimeOffset Now = Decisions.Unsigned.DecidedAt.AddSeconds(1);

    private static Rejection? Check(ApprovalDecided decision, ApprovalTerms? terms = null, DateTimeOffset? now = null) =>
        ApprovalBinding.Check(decision, terms ?? Decisions.Terms, now ?? Now, Skew);

    [Fact]
    public void A_decision_naming_the_promotion_in_time_is_bound() => Assert.Null(Check(Decisions.Signed()));

    public static TheoryData<string, Func<ApprovalDecided, ApprovalDecided>, string, string> Mismatches => new()
    {
        { "model", m => m with { ModelName = "toy-model" }, ApprovalRefusals.ModelMismatch, "modelName: 'toy-model' is not the promotion's model 'ticket-router'" },
        { "model case", m => m with { ModelName = "Ticket-Router" }, ApprovalRefusals.ModelMismatch, "modelName: 'Ticket-Router' is not the promotion's model 'ticket-router'" },
        { "version", m => m with { Version = 3 }, ApprovalRefusals.VersionMismatch, "version: 3 is not the promotion's version 4" },
        { "stage", m => m with { TargetStage = "staging" }, ApprovalRefusals.StageMismatch, "targetStage: 'staging' is not the promotion's target stage 'production'" },
        {
            "digest", m => m with { ManifestDigest = "sha256:" + new string('0', 64) }, ApprovalRefusals.DigestMismatch,
            $"manifestDigest: 'sha256:{new string('0', 64)}' is not the manifest digest of ticket-router/4 ({Decisions.Digest})"
        },
        {
            "nonce", m => m with { Nonce = new string('a', 64) }, ApprovalRefusals.NonceMismatch,
            "nonce: is not the nonce of this promotion's approval request (a decision answers the request it was made for)"
        },
    };

    [Theory]
    [MemberData(nameof(Mismatches))]
    public void A_decision_naming_anything_else_is_refused_with_the_field_in_its_code(string field, Func<ApprovalDecided, ApprovalDecided> change,
        string code, string message)
    {
        // Signed correctly, by the right integration: only what it names is wrong.
        var rejection = Check(Decisions.Signed(change));
        Assert.Equal(new Rejection(code, message), rejection);
        Assert.NotNull(field);
    }

    [Fact]
    public void The_nonce_the_registry_expects_is_never_shown() =>
        Assert.DoesNotContain(Decisions.Nonce, Check(Decisions.Signed(m => m with { Nonce = new string('a', 64) }))!.Message, StringComparison.Ordinal);

    [Fact]
    public void Without_a_readable_digest_or_an_issued_nonce_nothing_matches()
    {
        Assert.Equal(ApprovalRefusals.DigestMismatch, Check(Decisions.Signed(), Decisions.Terms with { ManifestDigest = null })?.ReasonCode);
        Assert.Equal(ApprovalRefusals.NonceMismatch, Check(Decisions.Signed(), Decisions.Terms with { Nonce = null })?.ReasonCode);
    }

    [Fact]
    public void A_v1_decision_names_nothing_so_only_its_timing_is_checked()
    {
        var v1 = ApprovalSignature.SignV1(Decisions.Unsigned with { ModelName = "", Version = 0, TargetStage = "", ManifestDigest = "" }, Decisions.JiraKey);
        Assert.Null(Check(v1));
        Assert.Equal(ApprovalRefusals.ApprovalExpired, Check(v1, now: Decisions.Terms.Deadline!.Value.AddTicks(10))?.ReasonCode);
    }

    [Fact]
    public void A_decision_processed_after_the_deadline_is_expired_even_if_decided_before_it()
    {
        var deadline = Decisions.Terms.Deadline!.Value;
        Assert.Null(Check(Decisions.Signed(), now: deadline));
        var rejection = Check(Decisions.Signed(), now: deadline.AddTicks(10));
        Assert.Equal(ApprovalRefusals.ApprovalExpired, rejection?.ReasonCode);
        Assert.Equal("the approval deadline 2026-11-27T13:03:07.000000Z has passed (processed at 2026-11-27T13:03:07.000001Z); decisions no longer count",
            rejection!.Message);
    }

    [Fact]
    public void A_mismatch_is_said_before_the_deadline() =>
        Assert.Equal(ApprovalRefusals.VersionMismatch,
            Check(Decisions.Signed(m => m with { Version = 5 }), now: Decisions.Terms.Deadline!.Value.AddDays(1))?.ReasonCode);

    [Theory]
    [InlineData(-5 * 60, true)]   // decided at request time less the skew: the earliest accepted
    [InlineData(-5 * 60 - 1, false)]
    [InlineData(0, true)]
    public void DecidedAt_may_not_be_earlier_than_the_request_less_the_skew(int secondsFromRequest, bool bound)
    {
        var decidedAt = Decisions.Terms.RequestedAt.AddSeconds(secondsFromRequest);
        var rejection = Check(Decisions.Signed(m => m with { DecidedAt = decidedAt }));
        Assert.Equal(bound ? null : ApprovalRefusals.DecidedAtOutOfRange, rejection?.ReasonCode);
    }

    [Theory]
    [InlineData(5 * 60, true)]    // now plus the skew: the latest accepted
    [InlineData(5 * 60 + 1, false)]
    public void DecidedAt_may_not_be_later_than_now_plus_the_skew(int secondsFromNow, bool bound)
    {
        var rejection = Check(Decisions.Signed(m => m with { DecidedAt = Now.AddSeconds(secondsFromNow) }));
        Assert.Equal(bound ? null : ApprovalRefusals.DecidedAtOutOfRange, rejection?.ReasonCode);
    }

    [Fact]
    public void Far_past_and_far_future_decidedAt_are_refused_with_the_window()
    {
        var past = Check(Decisions.Signed(m => m with { DecidedAt = new DateTimeOffset(2020, 1, 1, 0, 0, 0, TimeSpan.Zero) }));
        Assert.Equal(new Rejection(ApprovalRefusals.DecidedAtOutOfRange,
            "decidedAt: 2020-01-01T00:00:00.000000Z is outside [2026-11-26T12:58:07.000000Z, 2026-11-26T14:08:08.250000Z] " +
            "(approval requested at 2026-11-26T13:03:07.000000Z, now, clock skew 00:05:00)"), past);
        Assert.Equal(ApprovalRefusals.DecidedAtOutOfRange,
            Check(Decisions.Signed(m => m with { DecidedAt = new DateTimeOffset(2099, 1, 1, 0, 0, 0, TimeSpan.Zero) }))?.ReasonCode);
    }
}
