using ModelRegistry.Contracts;
using ModelRegistry.Contracts.Promotion;
using ModelRegistry.Promotion;
using ModelRegistry.Promotion.Rules;

namespace ModelRegistry.Components.Tests;

/// <summary>Who sent each message (the principal, <see cref="HarnessPrincipal"/>), and the risk tier in force.</summary>
public static partial class PromotionStateMachine_Specs
{
    public class When_principals_matter : PromotionHarness
    {
        private async Task<RequestPromotion> WaitingAsync(string requester = "erin")
        {
            Store.AddVersion("m", 1, "high", "production");
            Store.AddVersion("m", 2, "high", "staging");
            var request = Request("m", 2, "production", requestedBy: "someone-else");
            await SendAsAsync(requester, request);
            Assert.Equal("AwaitingApproval", StateOf(request.PromotionId));
            return request;
        }

        [Fact]
        public async Task The_requester_is_the_principal_and_the_body_only_a_claim()
        {
            var request = await WaitingAsync();
            var s = Promotion(request.PromotionId);
            Assert.Equal(("erin", "someone-else"), (s.RequestedBy, s.ClaimedBy));
            Assert.Equal("erin", OnlyEvent<ApprovalRequested>(request.PromotionId, e => e.PromotionId).RequestedBy);
            Assert.Equal("erin", Commits.Audits.Single(a => a.Action == "promotion.requested" && a.Subject == request.PromotionId.ToString("D")).Actor);
        }

        [Theory]
        [InlineData(null, "unauthenticated")]
        [InlineData("alice", "not_permitted")]
        public async Task A_request_without_a_principal_or_the_requester_role_is_rejected(string? principal, string reason)
        {
            Store.AddVersion("m", 1, "low");
            var request = Request("m", 1, "staging");
            await SendAsAsync(principal, request);
            Assert.Equal("Rejected", StateOf(request.PromotionId));
            Assert.Equal(reason, OnlyEvent<PromotionRejected>(request.PromotionId, e => e.PromotionId).ReasonCode);
            Assert.Equal("registered", Store.StageOf("m", 1));
            Assert.Equal(["promotion.requested", "promotion.rejected"], AuditsOf(request.PromotionId));
        }

        [Fact]
        public async Task Separation_of_duties_compares_the_approver_with_the_requester_principal()
        {
            var request = await WaitingAsync(requester: "oncall"); // the body claims "someone-else"
            await SendAsync(Vote(request.PromotionId, "oncall", "model-risk-officer"));
            await SendAsync(Vote(request.PromotionId, "someone-else", "model-risk-officer"));
            Assert.Equal("self_approval", OnlyEvent<ApprovalRefused>(request.PromotionId, e => e.PromotionId).ReasonCode);
            Assert.Equal("someone-else", Assert.Single(Promotion(request.PromotionId).Votes).Approver);
        }

        [Fact]
        public async Task Only_the_requester_or_a_canceller_cancels()
        {
            var request = await WaitingAsync();
            await SendAsAsync("rachel", Cancel(request.PromotionId));
            await SendAsAsync(null, Cancel(request.PromotionId));
            Assert.Equal("AwaitingApproval", StateOf(request.PromotionId));
            Assert.Equal(2, AuditsOf(request.PromotionId).Count(a => a == "promotion.cancel_refused"));

            await SendAsAsync("oncall", Cancel(request.PromotionId));
            Assert.Equal("Cancelled", StateOf(request.PromotionId));
            Assert.Equal("oncall", OnlyEvent<PromotionCancelled>(request.PromotionId, e => e.PromotionId).CancelledBy);
        }

        [Fact]
        public async Task A_resend_by_someone_without_the_requester_role_sends_nothing()
        {
            var request = await WaitingAsync();
            await SendAsAsync("alice", new ResendApprovalRequest { PromotionId = request.PromotionId, RequestedBy = "erin" });
            Assert.Single(Commits.Events.OfType<ApprovalRequested>());
            Assert.Contains("approval.resend_refused", AuditsOf(request.PromotionId));

            await SendAsAsync("erin", new ResendApprovalRequest { PromotionId = request.PromotionId, RequestedBy = "whoever" });
            Assert.Equal(2, Commits.Events.OfType<ApprovalRequested>().Count());
            Assert.Equal("erin", Commits.Audits.Single(a => a.Action == "approval.resent").Actor);
        }

        [Theory]
        [InlineData(null, "unauthenticated")]
        [InlineData("erin", "not_permitted")]
        public async Task A_decision_counts_only_from_a_principal_that_speaks_for_its_integration(string? principal, string reason)
        {
            var request = await WaitingAsync();
            await SendAsAsync(principal, Vote(request.PromotionId, "alice", "model-risk-officer"));
            Assert.Equal(reason, OnlyEvent<ApprovalRefused>(request.PromotionId, e => e.PromotionId).ReasonCode);
            Assert.Empty(Promotion(request.PromotionId).Votes);
        }

        [Fact]
        public async Task A_deadline_from_anyone_but_the_registry_is_ignored_and_audited()
        {
            var request = await WaitingAsync();
            var due = Promotion(request.PromotionId).ApprovalDeadline!.Value;
            Clock.Advance(TimeSpan.FromHours(2));
            await SendAsAsync("erin", Deadline(request.PromotionId, DeadlineKinds.Approval, due));
            Assert.Equal("AwaitingApproval", StateOf(request.PromotionId));
            Assert.Contains("promotion.foreign_ignored", AuditsOf(request.PromotionId));

            await SendAsync(Deadline(request.PromotionId, DeadlineKinds.Approval, due));
            Assert.Equal("Expired", StateOf(request.PromotionId));
        }

        [Fact]
        public async Task A_raised_model_tier_is_in_force_at_once_for_a_promotion_in_flight()
        {
            Store.AddVersion("m", 1, "medium");
            var request = Request("m", 1, "staging");
            await SendAsync(request);
            Assert.Equal("AwaitingEvaluations", StateOf(request.PromotionId)); // medium: the accuracy suite is missing

            Store.SetModelTier("m", "high"); // high's staging has no gates in the harness policy
            await SendAsync(Evaluated(request.PromotionId));

            Assert.Equal("Promoted", StateOf(request.PromotionId));
            Assert.Equal("medium", Promotion(request.PromotionId).RiskTier); // what it was requested under, kept
        }

        [Fact]
        public async Task A_lowered_model_tier_applies_only_to_promotions_requested_afterwards()
        {
            Store.AddVersion("m", 1, "medium");
            var before = Request("m", 1, "staging");
            await SendAsync(before);

            Store.SetModelTier("m", "low");
            Store.AddEvaluation("m", 1, 0.5, Start); // fails medium's gate; low has none
            await SendAsync(Evaluated(before.PromotionId));
            Assert.Equal("gates_failed", OnlyEvent<PromotionRejected>(before.PromotionId, e => e.PromotionId).ReasonCode);

            var after = Request("m", 1, "staging");
            await SendAsync(after);
            Assert.Equal("Promoted", StateOf(after.PromotionId));
            Assert.Equal("low", Promotion(after.PromotionId).RiskTier);
        }
    }
}
