using ModelRegistry.Promotion.Rules;

namespace ModelRegistry.Domain.Tests.Promotion;

/// <summary>The pure decisions the promotion state machine branches on (the machine itself: PromotionStateMachine_Specs).</summary>
public class PromotionDecisions_Specs
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 26, 12, 0, 0, TimeSpan.Zero);

    private static readonly StageGates Accuracy = new(["accuracy"], [new MetricGate("accuracy", "accuracy", MetricDirection.AtLeast, 0.8)], [], null);

    private static EvaluationSummary Evaluation(double accuracy) =>
        new("accuracy", new Dictionary<string, double> { ["accuracy"] = accuracy }, [], "none", T0);

    [Theory]
    [InlineData("evaluation", 0, 60, DeadlineVerdict.Stale)] // another kind
    [InlineData("approval", 5_000, 60, DeadlineVerdict.Stale)] // another due time
    [InlineData("approval", 0, -60, DeadlineVerdict.Early)]
    [InlineData("approval", 0, 0, DeadlineVerdict.Due)]
    [InlineData("approval", 0.5, 60, DeadlineVerdict.Due)] // the same instant, as a round trip through the job store may shift it
    public void A_deadline_counts_only_for_the_kind_and_time_awaited_once_the_time_has_come(string kind, double offByMs, int nowSeconds,
        DeadlineVerdict verdict) =>
        Assert.Equal(verdict, PromotionDecisions.OnDeadline("approval", T0, kind, T0.AddMilliseconds(offByMs), T0.AddSeconds(nowSeconds)));

    [Fact]
    public void A_deadline_is_stale_when_the_promotion_awaits_none() =>
        Assert.Equal(DeadlineVerdict.Stale, PromotionDecisions.OnDeadline("approval", null, "approval", T0, T0));

    [Fact]
    public void Gates_decide_between_rejecting_waiting_expiring_asking_for_approval_and_promoting()
    {
        var gated = Policies.Production(Accuracy);
        var approved = Policies.Production(Accuracy, Policies.Approvals(1, "model-risk-officer"));

        var failed = PromotionDecisions.OnGates(gated, [Evaluation(0.5)], null);
        Assert.Equal((PromotionVerdict.Rejected, "gates_failed"), (failed.Verdict, failed.Why?.ReasonCode));
        Assert.Single(failed.FailedGates!);

        var missing = PromotionDecisions.OnGates(gated, [], null);
        Assert.Equal((PromotionVerdict.AwaitEvaluations, null), (missing.Verdict, missing.Why));
        Assert.Equal(["accuracy"], missing.MissingSuites);

        var expired = PromotionDecisions.OnGates(gated, [], T0);
        Assert.Equal((PromotionVerdict.Expired, "evaluation_timeout"), (expired.Verdict, expired.Why?.ReasonCode));
        Assert.Equal($"no evaluation of accuracy arrived by {T0:O}", expired.Why?.Message);
        Assert.Null(expired.FailedGates);

        Assert.Equal(PromotionVerdict.Promote, PromotionDecisions.OnGates(gated, [Evaluation(0.9)], T0).Verdict);
        Assert.Equal(PromotionVerdict.AwaitApproval, PromotionDecisions.OnGates(approved, [Evaluation(0.9)], null).Verdict);
    }

    [Fact]
    public void At_the_moment_of_promotion_failed_gates_reject_with_the_failures_the_first_check_reports()
    {
        var gated = Policies.Production(Accuracy, Policies.Approvals(1, "model-risk-officer"));
        var first = PromotionDecisions.OnGates(gated, [Evaluation(0.5)], null);

        var again = PromotionDecisions.OnGatesAtPromotion(gated, [Evaluation(0.9) with { Received = 1 }, Evaluation(0.5) with { Received = 2 }]);

        Assert.Equal((PromotionVerdict.Rejected, "gates_failed"), (again.Verdict, again.Why?.ReasonCode));
        Assert.Equal(first.FailedGates, again.FailedGates);
        Assert.Equal("gates checked again at promotion: 1 gate(s) failed: accuracy/accuracy: must be at least 0.8, was 0.5", again.Why?.Message);
    }

    [Fact]
    public void At_the_moment_of_promotion_passed_gates_promote_and_a_missing_suite_fails_rather_than_waits()
    {
        var gated = Policies.Production(Accuracy, Policies.Approvals(1, "model-risk-officer"));
        var passed = PromotionDecisions.OnGatesAtPromotion(gated, [Evaluation(0.9)]);
        Assert.Equal((PromotionVerdict.Promote, null, null), (passed.Verdict, passed.Why, passed.FailedGates));
        Assert.Equal(PromotionVerdict.Promote, PromotionDecisions.OnGatesAtPromotion(Policies.Production(), []).Verdict);

        var missing = PromotionDecisions.OnGatesAtPromotion(gated, []);
        Assert.Equal((PromotionVerdict.Rejected, "gates_failed"), (missing.Verdict, missing.Why?.ReasonCode));
        Assert.Equal(new[] { new GateFailure("suite", "accuracy: required, but the version has no evaluation of it") }, missing.FailedGates);
    }

    [Fact]
    public void A_vote_is_refused_counted_waiting_rejecting_or_the_last_approval_needed()
    {
        var stage = Policies.Production(approvals: Policies.Approvals(2, "model-risk-officer", "security-review"));
        ApprovalVote alice = new("alice", "model-risk-officer", true), bob = new("bob", "security-review", true);

        Assert.Equal((VoteVerdict.Refused, PromotionRefusals.SelfApproval),
            Outcome(PromotionDecisions.OnVote(stage, "alice", [], alice, "")));
        Assert.Equal(VoteVerdict.Waiting, PromotionDecisions.OnVote(stage, "erin", [], alice, "").Verdict);
        Assert.Equal(VoteVerdict.Approved, PromotionDecisions.OnVote(stage, "erin", [alice], bob, "").Verdict);

        var rejected = PromotionDecisions.OnVote(stage, "erin", [alice], bob with { Approved = false }, "not yet");
        Assert.Equal((VoteVerdict.Rejected, "approval_rejected"), Outcome(rejected));
        Assert.Equal("bob (security-review) rejected the promotion: not yet", rejected.Why?.Message);
    }

    [Fact]
    public void A_promotion_is_refused_as_stage_changed_only_when_the_version_moved_to_a_stage_it_may_not_leave_for_the_target()
    {
        var tier = Policies.Tier(Policies.Rule(Stage.Production, Stage.Staging, Stage.Canary));
        VersionStage[] before = [new(1, Stage.Production), new(2, Stage.Staging)];

        var unmoved = PromotionDecisions.OnPromote("staging", 2, "production", tier, before);
        Assert.Null(unmoved.Moved);
        Assert.Equal([new StageChange(2, Stage.Staging, Stage.Production), new StageChange(1, Stage.Production, Stage.Retired)], unmoved.Changes);

        var allowed = PromotionDecisions.OnPromote("staging", 2, "production", tier, [new(2, Stage.Canary)]);
        Assert.Equal((Stage.Canary, null), (allowed.Current, allowed.Moved));

        var retired = PromotionDecisions.OnPromote("staging", 2, "production", tier, [new(2, Stage.Retired)]);
        Assert.Equal("stage_changed", retired.Moved?.ReasonCode);
        Assert.StartsWith("the version moved from 'staging' to 'retired' while the promotion waited: ", retired.Moved?.Message, StringComparison.Ordinal);
        Assert.Empty(retired.Changes);
    }

    private static (VoteVerdict, string?) Outcome(VoteDecision decision) => (decision.Verdict, decision.Why?.ReasonCode);
}
