using ModelRegistry.Contracts;
using ModelRegistry.Evaluation.Rules;
using ModelRegistry.Platform.Identity;
using ModelRegistry.Platform.Rules;

namespace ModelRegistry.Domain.Tests;

/// <summary>An evaluatedAt the registry's clock has not reached yet, beyond the allowed skew, cannot have been measured.</summary>
public class EvaluationRules_Specs_When_evaluatedAt_lies_ahead
{
    private static readonly DateTimeOffset Now = new(2026, 11, 26, 12, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan Skew = TimeSpan.FromSeconds(300);

    private static readonly AccessPolicy Policy = AccessPolicy.Parse("""
        { "registry": ["mreg-workers"], "principals": { "evaluator": { "suites": ["*"] } } }
        """, "spec").Policy!;

    private static Rejection? Refusal(DateTimeOffset evaluatedAt, string? principal = "evaluator") =>
        EvaluationRules.Refusal(Valid.Evaluation(e => e with { EvaluatedAt = evaluatedAt }), principal, Policy, Now, Skew);

    [Fact]
    public void Up_to_the_allowed_skew_ahead_is_accepted()
    {
        Assert.Null(Refusal(Now));
        Assert.Null(Refusal(Now.AddYears(-3)));
        Assert.Null(Refusal(Now + Skew));
    }

    [Fact]
    public void One_tick_beyond_the_skew_is_refused_as_evaluated_at_in_future() =>
        Assert.Equal(RejectionReasons.EvaluatedAtInFuture, Refusal(Now + Skew + TimeSpan.FromTicks(1))?.ReasonCode);

    [Fact]
    public void A_date_far_ahead_is_refused_naming_the_field_both_instants_and_the_setting() =>
        Assert.Equal(
            "evaluatedAt: 9999-12-31T00:00:00Z is 2912112 days after the registry's clock (2026-11-26T12:00:00Z); at most 300 s of clock skew is allowed (Evaluation:MaxClockSkewSeconds)",
            Refusal(new DateTimeOffset(9999, 12, 31, 0, 0, 0, TimeSpan.Zero))?.Message);

    [Fact]
    public void An_offset_is_compared_as_the_instant_it_names()
    {
        // 13:04 at +01:00 is 12:04Z: within the skew; 13:06 at +00:00 is not.
        Assert.Null(Refusal(new DateTimeOffset(2026, 11, 26, 13, 4, 0, TimeSpan.FromHours(1))));
        Assert.Equal("evaluatedAt: 2026-11-26T12:06:00Z is 360 s after the registry's clock (2026-11-26T12:00:00Z); at most 300 s of clock skew is allowed (Evaluation:MaxClockSkewSeconds)",
            Refusal(new DateTimeOffset(2026, 11, 26, 12, 6, 0, TimeSpan.Zero))?.Message);
    }

    [Fact]
    public void A_missing_sender_is_named_before_the_date()
    {
        var far = new DateTimeOffset(9999, 12, 31, 0, 0, 0, TimeSpan.Zero);
        Assert.Equal(RejectionReasons.Unauthenticated, Refusal(far, principal: null)?.ReasonCode);
        Assert.Equal(RejectionReasons.NotPermitted, Refusal(far, principal: "stranger")?.ReasonCode);
    }

    [Fact]
    public void A_skew_of_zero_refuses_anything_after_now() =>
        Assert.Equal(RejectionReasons.EvaluatedAtInFuture,
            EvaluationRules.Refusal(Valid.Evaluation(e => e with { EvaluatedAt = Now.AddSeconds(1) }), "evaluator", Policy, Now, TimeSpan.Zero)?.ReasonCode);
}
