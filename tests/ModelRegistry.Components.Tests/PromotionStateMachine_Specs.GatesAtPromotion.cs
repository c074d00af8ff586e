using System.Text.Json;
using ModelRegistry.Contracts.Promotion;
using ModelRegistry.Promotion;
using ModelRegistry.Promotion.Rules;

namespace ModelRegistry.Components.Tests;

/// <summary>
/// The gates once more at the moment of promotion, on the evaluations received by then, and "latest" meaning latest
/// received (<see cref="PromotionStateMachine_Specs"/>).
/// </summary>
public static partial class PromotionStateMachine_Specs
{
    public class When_an_evaluation_arrives_during_the_approval_window : PromotionHarness
    {
        /// <summary>medium, production: accuracy at least 0.8 and two approvals; the version passes at the request.</summary>
        private async Task<Guid> WaitingAsync()
        {
            Store.AddVersion("m", 1, "medium", "production");
            Store.AddVersion("m", 2, "medium", "staging");
            Store.AddEvaluation("m", 2, accuracy: 0.93, Start.AddHours(-2));
            var request = Request("m", 2, "production");
            await SendAsync(request);
            Assert.Equal("AwaitingApproval", StateOf(request.PromotionId));
            await SendAsync(Vote(request.PromotionId, "alice", Officer));
            return request.PromotionId;
        }

        [Fact]
        public async Task A_failing_one_makes_the_last_approval_end_it_gates_failed_with_the_failed_gates()
        {
            var id = await WaitingAsync();
            // Received after the request's check; it claims to have run before the passing one: received order decides.
            Store.AddEvaluation("m", 2, accuracy: 0.5, Start.AddHours(-3));
            await SendAsync(Evaluated(id)); // the notice is ignored while approvals are awaited: the check comes at promotion
            Assert.Equal("AwaitingApproval", StateOf(id));

            await SendAsync(Vote(id, "bob", Security));

            var s = Promotion(id);
            Assert.Equal(("Rejected", "gates_failed"), (s.CurrentState, s.OutcomeCode));
            Assert.Equal("gates checked again at promotion: 1 gate(s) failed: accuracy/accuracy: must be at least 0.8, was 0.5", s.OutcomeMessage);
            var rejected = OnlyEvent<PromotionRejected>(id, e => e.PromotionId);
            var failed = Assert.Single(rejected.FailedGates);
            Assert.Equal(("metric", "accuracy/accuracy: must be at least 0.8, was 0.5"), (failed.Gate, failed.Message));
            Assert.Equal(["approval.accepted", "approval.accepted", "promotion.rejected"], AuditsOf(id)[^3..]);
            var audited = JsonSerializer.Serialize(Commits.Audits.Last(a => a.Subject == id.ToString("D")).Details);
            Assert.Contains("\"reasonCode\":\"gates_failed\"", audited, StringComparison.Ordinal);
            Assert.Contains("\"failedGates\":[\"accuracy/accuracy: must be at least 0.8, was 0.5\"]", audited, StringComparison.Ordinal);
            Assert.Equal(("staging", "production"), (Store.StageOf("m", 2), Store.StageOf("m", 1)));
            Assert.Empty(Store.Applied);
            Assert.DoesNotContain(Commits.Events.OfType<ModelVersionPromoted>(), e => e.PromotionId == id);
            Assert.DoesNotContain(Commits.Events.OfType<DeployModelVersion>(), e => e.DeploymentId == id);
            Assert.Contains((id, DeadlineKinds.Approval), Deadlines.Cancelled);
        }

        [Fact]
        public async Task A_passing_rerun_received_later_lets_it_promote_even_if_an_earlier_one_claims_a_later_date()
        {
            Store.AddVersion("m", 1, "medium", "production");
            Store.AddVersion("m", 2, "medium", "staging");
            Store.AddEvaluation("m", 2, accuracy: 0.5, Start.AddYears(100)); // pinned far ahead: received first, so replaced below
            Store.AddEvaluation("m", 2, accuracy: 0.93, Start.AddHours(-1));
            var request = Request("m", 2, "production");

            await SendAsync(request);
            await SendAsync(Vote(request.PromotionId, "alice", Officer));
            await SendAsync(Vote(request.PromotionId, "bob", Security));

            Assert.Equal("Promoted", StateOf(request.PromotionId));
            Assert.Equal(0.93, OnlyEvent<ApprovalRequested>(request.PromotionId, e => e.PromotionId).Evidence.Metrics["accuracy/accuracy"]);
        }
    }

    public class When_evaluations_of_a_suite_claim_dates_out_of_order : PromotionHarness
    {
        [Fact]
        public async Task The_one_received_last_is_the_one_the_gates_use_at_the_request()
        {
            Store.AddVersion("m", 1, "medium");
            Store.AddEvaluation("m", 1, accuracy: 0.99, new DateTimeOffset(9999, 12, 31, 0, 0, 0, TimeSpan.Zero));
            Store.AddEvaluation("m", 1, accuracy: 0.5, Start.AddDays(-1)); // claims an earlier run, arrives later
            var request = Request("m", 1, "staging");

            await SendAsync(request);

            Assert.Equal(("Rejected", "gates_failed"), (StateOf(request.PromotionId), Promotion(request.PromotionId).OutcomeCode));
            Assert.Equal("accuracy/accuracy: must be at least 0.8, was 0.5",
                Assert.Single(OnlyEvent<PromotionRejected>(request.PromotionId, e => e.PromotionId).FailedGates).Message);
        }
    }
}
