using ModelRegistry.Contracts;
using ModelRegistry.Contracts.Promotion;
using ModelRegistry.Promotion;
using ModelRegistry.Promotion.Rules;

namespace ModelRegistry.Components.Tests;

/// <summary>AwaitingApproval: votes, the approval deadline, cancel (<see cref="PromotionStateMachine_Specs"/>).</summary>
public static partial class PromotionStateMachine_Specs
{
    public class When_approvals_are_awaited : PromotionHarness
    {
        private async Task<Guid> WaitingAsync()
        {
            Store.AddVersion("m", 1, "high", "production");
            Store.AddVersion("m", 2, "high", "staging");
            var request = Request("m", 2, "production");
            await SendAsync(request);
            Assert.Equal("AwaitingApproval", StateOf(request.PromotionId));
            return request.PromotionId;
        }

        [Fact]
        public async Task It_asks_at_the_request_when_the_gates_pass()
        {
            var id = await WaitingAsync();
            var asked = OnlyEvent<ApprovalRequested>(id, e => e.PromotionId);
            Assert.Equal(("staging", 2, 1), (asked.FromStage, asked.DistinctApprovers, asked.Evidence.ProductionVersion));
            Assert.Equal([(id, DeadlineKinds.Approval, Start.AddHours(1))], Deadlines.Scheduled);
            Assert.Equal(["promotion.requested", "approval.requested"], AuditsOf(id));
        }

        [Fact]
        public async Task The_last_valid_approval_promotes_it_and_refused_votes_do_not_count()
        {
            var id = await WaitingAsync();

            await SendAsync(Vote(id, "erin", Officer)); // the requester
            await SendAsync(Vote(id, "dave", "data-scientist")); // a role not required
            await SendAsync(Vote(id, "bob", Security, signature: "bad"));
            await SendAsync(Vote(id, "alice", Officer));
            await SendAsync(Vote(id, "alice", Security)); // a second vote of one person
            Assert.Equal("AwaitingApproval", StateOf(id));
            Assert.Equal(["self_approval", "role_not_required", "bad_signature", "duplicate_vote"],
                Commits.Events.OfType<ApprovalRefused>().Where(e => e.PromotionId == id).Select(e => e.ReasonCode));

            await SendAsync(Vote(id, "bob", Security));

            Assert.Equal("Promoted", StateOf(id));
            Assert.Equal(["alice", "bob"], OnlyEvent<ModelVersionPromoted>(id, e => e.PromotionId).ApprovedBy.Select(a => a.Approver));
            Assert.Equal(("production", "retired"), (Store.StageOf("m", 2), Store.StageOf("m", 1)));
            Assert.Equal(2, AuditsOf(id).Count(a => a == "approval.accepted"));
            Assert.Contains((id, DeadlineKinds.Approval), Deadlines.Cancelled);
        }

        [Fact]
        public async Task A_counted_rejection_rejects_it()
        {
            var id = await WaitingAsync();

            await SendAsync(Vote(id, "alice", Officer, approved: false));

            Assert.Equal(("Rejected", "approval_rejected"), (StateOf(id), Promotion(id).OutcomeCode));
            Assert.Equal("alice (model-risk-officer) rejected the promotion: not ready", Promotion(id).OutcomeMessage);
            Assert.Equal(["approval.accepted", "promotion.rejected"], AuditsOf(id)[^2..]);
        }

        [Fact]
        public async Task The_approval_deadline_expires_it_when_due_and_not_before()
        {
            var id = await WaitingAsync();
            var due = Promotion(id).ApprovalDeadline!.Value;
            await SendAsync(Vote(id, "alice", Officer));

            Clock.Advance(TimeSpan.FromMinutes(30));
            await SendAsync(Deadline(id, DeadlineKinds.Approval, due));
            Assert.Equal("AwaitingApproval", StateOf(id));
            Assert.Equal(2, Deadlines.Scheduled.Count(d => d == (id, DeadlineKinds.Approval, due)));

            Clock.Advance(TimeSpan.FromHours(1));
            await SendAsync(Deadline(id, DeadlineKinds.Evaluation, due)); // stale: not the deadline it waits on
            Assert.Equal("AwaitingApproval", StateOf(id));
            await SendAsync(Deadline(id, DeadlineKinds.Approval, due));

            Assert.Equal(("Expired", "approval_timeout"), (StateOf(id), Promotion(id).OutcomeCode));
            Assert.Equal($"the approvals were not complete by {due:O}: missing roles security-review (1 more approver(s))", Promotion(id).OutcomeMessage);
            Assert.Equal("promotion.expired", AuditsOf(id)[^1]);
            Assert.Contains((id, DeadlineKinds.Approval), Deadlines.Cancelled);
        }

        [Fact]
        public async Task A_version_moved_meanwhile_is_rejected_as_stage_changed_at_the_last_approval()
        {
            var id = await WaitingAsync();
            await SendAsync(Vote(id, "alice", Officer));
            Store.SetStage("m", 2, "retired");

            await SendAsync(Vote(id, "bob", Security));

            Assert.Equal(("Rejected", "stage_changed"), (StateOf(id), Promotion(id).OutcomeCode));
            Assert.Equal("production", Store.StageOf("m", 1));
        }

        [Fact]
        public async Task A_resend_publishes_the_request_again_with_its_deadline_and_audits_who_asked()
        {
            var id = await WaitingAsync();
            var first = OnlyEvent<ApprovalRequested>(id, e => e.PromotionId);
            Clock.Advance(TimeSpan.FromMinutes(10));

            await SendAsync(new ResendApprovalRequest { PromotionId = id, RequestedBy = "oncall" });

            var sent = Commits.Events.OfType<ApprovalRequested>().Where(e => e.PromotionId == id).ToList();
            Assert.Equal(2, sent.Count);
            Assert.Equal((first.Deadline, first.RequiredRoles, first.Evidence.ManifestDigest), (sent[1].Deadline, sent[1].RequiredRoles, sent[1].Evidence.ManifestDigest));
            Assert.Equal(["promotion.requested", "approval.requested", "approval.resent"], AuditsOf(id));
            Assert.Equal("oncall", Commits.Audits.Last(a => a.Subject == id.ToString("D")).Actor);
            Assert.Equal("AwaitingApproval", StateOf(id));
            Assert.Single(Deadlines.Scheduled); // the deadline stays as it was
        }

        [Fact]
        public async Task A_resend_of_a_promotion_not_waiting_for_approval_or_unknown_does_nothing()
        {
            var id = await WaitingAsync();
            await SendAsync(Cancel(id));
            var before = (Commits.Events.Length, Commits.Audits.Length);

            await SendAsync(new ResendApprovalRequest { PromotionId = id, RequestedBy = "oncall" });
            await SendAsync(new ResendApprovalRequest { PromotionId = Guid.NewGuid(), RequestedBy = "oncall" });

            Assert.Equal(before, (Commits.Events.Length, Commits.Audits.Length));
            Assert.Equal("Cancelled", StateOf(id));
        }

        [Fact]
        public async Task The_evidence_shows_bias_and_findings_of_the_latest_evaluations_and_deltas_without_float_noise()
        {
            Store.AddVersion("m", 1, "high", "production");
            Store.AddVersion("m", 2, "high", "staging");
            Store.AddEvaluation("m", 1, 0.91, Start.AddDays(-2));
            Store.AddEvaluation("m", 2, 0.93, Start.AddDays(-1));
            Store.AddEvaluation("m", 2, new EvaluationSummary("fairness", new Dictionary<string, double>(), [("dpd", 0.1 + 0.2)], "none", Start)
            {
                BiasAssessments = [new BiasAssessment { Attribute = "gender", Metric = "dpd", Value = 0.1 + 0.2 }],
            });
            Store.AddEvaluation("m", 2, new EvaluationSummary("scan", new Dictionary<string, double>(), [], "high", Start.AddHours(-2))
            {
                Findings = [new SecurityFinding { Id = "old", Severity = "critical", Title = "fixed since" }],
            });
            Store.AddEvaluation("m", 2, new EvaluationSummary("scan", new Dictionary<string, double>(), [], "high", Start.AddHours(-1))
            {
                Findings =
                [
                    new SecurityFinding { Id = "B-2", Severity = "low", Title = "minor" },
                    new SecurityFinding { Id = "A-1", Severity = "high", Title = new string('x', 300) },
                    new SecurityFinding { Id = "C-3", Severity = "low", Title = "minor too" },
                ],
            });
            var request = Request("m", 2, "production");

            await SendAsync(request);

            var evidence = OnlyEvent<ApprovalRequested>(request.PromotionId, e => e.PromotionId).Evidence;
            Assert.Equal(0.02, evidence.MetricDeltas["accuracy/accuracy"]); // 0.93 - 0.91 is 0.020000000000000018 in double arithmetic
            var bias = Assert.Single(evidence.Bias);
            Assert.Equal(("fairness", "gender", "dpd", 0.3), (bias.Suite, bias.Attribute, bias.Metric, bias.Value));
            Assert.Equal(["A-1 high", "B-2 low", "C-3 low"], evidence.SecurityFindings.Select(f => $"{f.Id} {f.Severity}"));
            Assert.Equal(ApprovalEvidence.MaxFindingTitleLength, evidence.SecurityFindings[0].Title.Length);
            Assert.Equal(new Dictionary<string, int> { ["high"] = 1, ["low"] = 2 }, evidence.FindingCounts);
        }

        [Fact]
        public async Task A_cancel_cancels_it_and_an_evaluation_notice_is_ignored()
        {
            var id = await WaitingAsync();
            await SendAsync(Evaluated(id));
            Assert.Equal("AwaitingApproval", StateOf(id));

            await SendAsync(Cancel(id));

            Assert.Equal("Cancelled", StateOf(id));
            Assert.Contains((id, DeadlineKinds.Approval), Deadlines.Cancelled);
            Assert.Equal(["promotion.requested", "approval.requested", "promotion.cancelled"], AuditsOf(id));
        }
    }
}
