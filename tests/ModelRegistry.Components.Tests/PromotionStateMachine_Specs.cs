using ModelRegistry.Contracts.Promotion;
using ModelRegistry.Promotion;
using ModelRegistry.Promotion.Approvals;

namespace ModelRegistry.Components.Tests;

/// <summary>
/// Every transition of docs/promotion.md's diagram, and every message each state ignores or refuses, on the state machine
/// in MassTransit's in-memory harness (<see cref="PromotionHarness"/>). The real-broker specs (ModelRegistry.Host.Tests)
/// run the same machine on PostgreSQL and RabbitMQ.
/// </summary>
public static partial class PromotionStateMachine_Specs
{
    private const string Officer = "model-risk-officer";
    private const string Security = "security-review";

    public class When_a_request_is_refused : PromotionHarness
    {
        [Theory]
        [InlineData("invalid_request")]
        [InlineData("unknown_version")]
        [InlineData("transition_not_allowed")]
        [InlineData("stage_not_in_policy")]
        [InlineData("already_in_stage")]
        [InlineData("promotion_open")]
        public async Task It_is_rejected_with_the_reason_and_nothing_moves(string reason)
        {
            Store.AddVersion("m", 1, "medium", "staging");
            var request = reason switch
            {
                "invalid_request" => Request("m", 1, "staging") with { Reason = " " },
                "unknown_version" => Request("m", 7, "staging"),
                "stage_not_in_policy" => Request("m", 1, "canary"),
                "already_in_stage" => Request("m", 1, "staging"),
                _ => Request("m", 1, "production"),
            };
            if (reason == "promotion_open") Store.OpenElsewhere("m", 1, "production");
            if (reason == "transition_not_allowed") Store.SetStage("m", 1, "registered");

            await SendAsync(request);

            var s = Promotion(request.PromotionId);
            Assert.Equal(("Rejected", reason), (s.CurrentState, s.OutcomeCode));
            var rejected = OnlyEvent<PromotionRejected>(request.PromotionId, e => e.PromotionId);
            Assert.Equal(reason, rejected.ReasonCode);
            Assert.Empty(rejected.FailedGates);
            Assert.Equal(["promotion.requested", "promotion.rejected"], AuditsOf(request.PromotionId));
            Assert.Empty(Store.Applied);
            Assert.Empty(Deadlines.Scheduled);
            Assert.True(await Harness.Published.Any<PromotionRejected>(x => x.Context.Message.PromotionId == request.PromotionId));
        }
    }

    public class When_the_gates_pass_and_no_approval_is_needed : PromotionHarness
    {
        [Fact]
        public async Task It_is_promoted_at_once_and_the_previous_production_version_is_retired()
        {
            Store.AddVersion("m", 1, "low", "production");
            Store.AddVersion("m", 2, "low");
            var request = Request("m", 2, "production");

            await SendAsync(request);

            Assert.Equal(("Promoted", "promoted"), (StateOf(request.PromotionId), Promotion(request.PromotionId).OutcomeCode));
            var promoted = OnlyEvent<ModelVersionPromoted>(request.PromotionId, e => e.PromotionId);
            Assert.Equal(("registered", "production"), (promoted.FromStage, promoted.ToStage));
            Assert.Equal([1], promoted.RetiredVersions);
            Assert.Equal(1, OnlyEvent<DeployModelVersion>(request.PromotionId, e => e.DeploymentId).ReplacesVersion);
            Assert.Equal(("production", "retired"), (Store.StageOf("m", 2), Store.StageOf("m", 1)));
            Assert.Equal(["promotion.requested", "promotion.promoted"], AuditsOf(request.PromotionId));
            Assert.Equal(2, Commits.Audits.Count(a => a.Action == "stage.changed"));
            Assert.True(await Harness.Published.Any<ModelVersionPromoted>(x => x.Context.Message.PromotionId == request.PromotionId));
        }

        [Fact]
        public async Task Each_stage_change_takes_the_models_next_sequence_and_its_events_are_ordered_by_the_model()
        {
            Store.AddVersion("m", 1, "low");
            Store.AddVersion("m", 2, "low");
            var staging = Request("m", 1, "staging");
            var production = Request("m", 2, "production");

            await SendAsync(staging);
            await SendAsync(production);

            Assert.Equal(1, OnlyEvent<ModelVersionPromoted>(staging.PromotionId, e => e.PromotionId).StageSequence);
            var promoted = OnlyEvent<ModelVersionPromoted>(production.PromotionId, e => e.PromotionId);
            var deploy = OnlyEvent<DeployModelVersion>(production.PromotionId, e => e.DeploymentId);
            Assert.Equal((2L, 2L), (promoted.StageSequence, deploy.StageSequence));
            Assert.Equal(("model:m", "model:m"), (Commits.OrderingKeyOf(promoted), Commits.OrderingKeyOf(deploy)));
        }
    }

    public class When_a_gate_fails_at_the_request : PromotionHarness
    {
        [Fact]
        public async Task It_is_rejected_with_the_failed_gates()
        {
            Store.AddVersion("m", 1, "medium");
            Store.AddEvaluation("m", 1, accuracy: 0.5, Start);
            var request = Request("m", 1, "staging");

            await SendAsync(request);

            Assert.Equal(("Rejected", "gates_failed"), (StateOf(request.PromotionId), Promotion(request.PromotionId).OutcomeCode));
            var failed = Assert.Single(OnlyEvent<PromotionRejected>(request.PromotionId, e => e.PromotionId).FailedGates);
            Assert.Equal("metric", failed.Gate);
            Assert.Equal("registered", Store.StageOf("m", 1));
        }
    }

    public class When_a_required_suite_has_not_been_evaluated : PromotionHarness
    {
        private async Task<Guid> WaitingAsync(string target = "staging", string stage = "registered")
        {
            Store.AddVersion("m", 1, "medium", stage);
            var request = Request("m", 1, target);
            await SendAsync(request);
            Assert.Equal("AwaitingEvaluations", StateOf(request.PromotionId));
            return request.PromotionId;
        }

        [Fact]
        public async Task It_waits_with_an_evaluation_deadline_scheduled_once()
        {
            var id = await WaitingAsync();
            var due = Start.AddHours(2);
            Assert.Equal(due, Promotion(id).EvaluationDeadline);
            Assert.Equal([(id, DeadlineKinds.Evaluation, due)], Deadlines.Scheduled);
            Assert.Equal(["promotion.requested", "promotion.awaiting_evaluations"], AuditsOf(id));

            await SendAsync(Evaluated(id)); // a notice without the suite it waits for
            Assert.Equal("AwaitingEvaluations", StateOf(id));
            Assert.Single(Deadlines.Scheduled);
            Assert.Equal(2, AuditsOf(id).Length);
        }

        [Fact]
        public async Task An_evaluation_that_passes_promotes_it_when_no_approval_is_needed()
        {
            var id = await WaitingAsync();
            Store.AddEvaluation("m", 1, accuracy: 0.9, Start);

            await SendAsync(Evaluated(id));

            Assert.Equal("Promoted", StateOf(id));
            Assert.Equal("staging", Store.StageOf("m", 1));
            Assert.Contains((id, DeadlineKinds.Evaluation), Deadlines.Cancelled);
        }

        [Fact]
        public async Task An_evaluation_that_passes_asks_for_approvals_when_the_stage_needs_them()
        {
            var id = await WaitingAsync("production", "staging");
            Store.AddEvaluation("m", 1, accuracy: 0.9, Start);

            await SendAsync(Evaluated(id));

            Assert.Equal("AwaitingApproval", StateOf(id));
            var asked = OnlyEvent<ApprovalRequested>(id, e => e.PromotionId);
            Assert.Equal([Officer, Security], asked.RequiredRoles);
            Assert.Equal(Start.AddHours(1), asked.Deadline);
            Assert.Contains((id, DeadlineKinds.Approval, Start.AddHours(1)), Deadlines.Scheduled);
            Assert.Contains((id, DeadlineKinds.Evaluation), Deadlines.Cancelled);
            Assert.Equal("approval.requested", AuditsOf(id)[^1]);
        }

        [Fact]
        public async Task An_evaluation_that_fails_rejects_it()
        {
            var id = await WaitingAsync();
            Store.AddEvaluation("m", 1, accuracy: 0.1, Start);

            await SendAsync(Evaluated(id));

            Assert.Equal(("Rejected", "gates_failed"), (StateOf(id), Promotion(id).OutcomeCode));
            Assert.Equal("registered", Store.StageOf("m", 1));
        }

        [Fact]
        public async Task A_version_moved_meanwhile_is_rejected_as_stage_changed()
        {
            var id = await WaitingAsync();
            Store.SetStage("m", 1, "retired");
            Store.AddEvaluation("m", 1, accuracy: 0.9, Start);

            await SendAsync(Evaluated(id));

            Assert.Equal(("Rejected", "stage_changed"), (StateOf(id), Promotion(id).OutcomeCode));
            Assert.Empty(Store.Applied);
        }

        [Fact]
        public async Task At_the_evaluation_deadline_a_suite_still_missing_expires_it()
        {
            var id = await WaitingAsync();
            var due = Promotion(id).EvaluationDeadline!.Value;

            Clock.Advance(TimeSpan.FromHours(1)); // early: put back, still waiting
            await SendAsync(Deadline(id, DeadlineKinds.Evaluation, due));
            Assert.Equal("AwaitingEvaluations", StateOf(id));
            Assert.Equal(2, Deadlines.Scheduled.Count(d => d == (id, DeadlineKinds.Evaluation, due)));

            Clock.Advance(TimeSpan.FromHours(2));
            await SendAsync(Deadline(id, DeadlineKinds.Evaluation, due.AddMinutes(-1))); // stale: another due time
            await SendAsync(Deadline(id, DeadlineKinds.Approval, due)); // stale: not the deadline it waits on
            Assert.Equal("AwaitingEvaluations", StateOf(id));

            await SendAsync(Deadline(id, DeadlineKinds.Evaluation, due));
            Assert.Equal(("Expired", "evaluation_timeout"), (StateOf(id), Promotion(id).OutcomeCode));
            Assert.Equal("promotion.expired", AuditsOf(id)[^1]);
            Assert.Equal("evaluation_timeout", OnlyEvent<PromotionRejected>(id, e => e.PromotionId).ReasonCode);
            Assert.Contains((id, DeadlineKinds.Evaluation), Deadlines.Cancelled);
        }

        [Fact]
        public async Task At_the_evaluation_deadline_an_evaluation_whose_notice_was_lost_still_counts()
        {
            var id = await WaitingAsync();
            var due = Promotion(id).EvaluationDeadline!.Value;
            Store.AddEvaluation("m", 1, accuracy: 0.9, Start);
            Clock.Advance(TimeSpan.FromHours(3));

            await SendAsync(Deadline(id, DeadlineKinds.Evaluation, due));

            Assert.Equal("Promoted", StateOf(id));
        }

        [Fact]
        public async Task At_the_evaluation_deadline_a_failed_gate_rejects_it()
        {
            var id = await WaitingAsync();
            var due = Promotion(id).EvaluationDeadline!.Value;
            Store.AddEvaluation("m", 1, accuracy: 0.2, Start);
            Clock.Advance(TimeSpan.FromHours(3));

            await SendAsync(Deadline(id, DeadlineKinds.Evaluation, due));

            Assert.Equal(("Rejected", "gates_failed"), (StateOf(id), Promotion(id).OutcomeCode));
        }

        [Fact]
        public async Task A_cancel_cancels_it()
        {
            var id = await WaitingAsync();

            await SendAsync(Cancel(id));

            Assert.Equal(("Cancelled", "cancelled"), (StateOf(id), Promotion(id).OutcomeCode));
            Assert.Equal("erin", OnlyEvent<PromotionCancelled>(id, e => e.PromotionId).CancelledBy);
            Assert.Equal("promotion.cancelled", AuditsOf(id)[^1]);
            Assert.Contains((id, DeadlineKinds.Evaluation), Deadlines.Cancelled);
        }

        [Fact]
        public async Task A_decision_is_refused_as_not_requested()
        {
            var id = await WaitingAsync();

            await SendAsync(Vote(id, "alice", Officer));

            Assert.Equal("AwaitingEvaluations", StateOf(id));
            Assert.Equal(ApprovalRefusals.ApprovalNotRequested, OnlyEvent<ApprovalRefused>(id, e => e.PromotionId).ReasonCode);
        }
    }

    public class When_a_promotion_is_over : PromotionHarness
    {
        [Fact]
        public async Task It_ignores_every_message_but_a_decision_which_it_refuses_as_finished()
        {
            Store.AddVersion("m", 1, "low");
            var request = Request("m", 1, "staging");
            var id = request.PromotionId;
            await SendAsync(request);
            Assert.Equal("Promoted", StateOf(id));
            var (audits, events) = (Commits.Audits.Length, Commits.Events.Length);

            await SendAsync(request with { TargetStage = "production" });
            await SendAsync(Evaluated(id));
            await SendAsync(Deadline(id, DeadlineKinds.Evaluation, Start));
            await SendAsync(Cancel(id));
            Assert.Equal(("Promoted", audits, events), (StateOf(id), Commits.Audits.Length, Commits.Events.Length));

            await SendAsync(Vote(id, "alice", Officer));
            Assert.Equal(ApprovalRefusals.PromotionFinished, OnlyEvent<ApprovalRefused>(id, e => e.PromotionId).ReasonCode);
            Assert.Equal("Promoted", StateOf(id));
        }
    }

    public class When_no_such_promotion_exists : PromotionHarness
    {
        [Fact]
        public async Task A_decision_is_refused_as_unknown_and_other_messages_are_dropped()
        {
            var id = Guid.NewGuid();

            await SendAsync(Evaluated(id));
            await SendAsync(Deadline(id, DeadlineKinds.Approval, Start));
            await SendAsync(Cancel(id));
            Assert.Empty(Commits.Events);
            Assert.Empty(Commits.Audits);

            await SendAsync(Vote(id, "alice", Officer));
            Assert.Equal(ApprovalRefusals.UnknownPromotion, OnlyEvent<ApprovalRefused>(id, e => e.PromotionId).ReasonCode);
            var refusal = Assert.Single(Commits.Audits);
            Assert.Equal(("approval.refused", "alice"), (refusal.Action, refusal.Actor));

            await SendAsync(Vote(id, "alice", Officer, signature: "bad")); // authenticity first
            Assert.Equal(ApprovalRefusals.BadSignature, Commits.Events.OfType<ApprovalRefused>().Last().ReasonCode);
        }
    }
}
