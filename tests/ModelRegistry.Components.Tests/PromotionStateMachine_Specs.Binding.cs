using ModelRegistry.Contracts.Promotion;
using ModelRegistry.Promotion;
using ModelRegistry.Promotion.Approvals;

namespace ModelRegistry.Components.Tests;

/// <summary>AwaitingApproval: decisions bound to the promotion's facts, in time, never counted once refused.</summary>
public static partial class PromotionStateMachine_Specs
{
    public class When_a_decision_names_something_else_or_comes_late : PromotionHarness
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

        private string[] RefusalsOf(Guid id) =>
            [.. Commits.Events.OfType<ApprovalRefused>().Where(e => e.PromotionId == id).Select(e => e.ReasonCode)];

        [Fact]
        public async Task The_request_carries_a_nonce_and_a_signature_per_integration_and_a_resend_keeps_the_nonce()
        {
            var id = await WaitingAsync();
            var asked = OnlyEvent<ApprovalRequested>(id, e => e.PromotionId);
            Assert.Matches("^[0-9a-f]{64}$", asked.Nonce);
            Assert.Equal(asked.Nonce, Promotion(id).ApprovalNonce);
            Assert.Equal(Start, Promotion(id).ApprovalRequestedAt);
            Assert.Equal($"signed:{id:N}:{asked.Nonce}", Assert.Single(asked.Signatures, s => s.Key == "desk").Value);

            Clock.Advance(TimeSpan.FromMinutes(10));
            await SendAsync(new ResendApprovalRequest { PromotionId = id, RequestedBy = "oncall" });

            var resent = Commits.Events.OfType<ApprovalRequested>().Where(e => e.PromotionId == id).ToList();
            Assert.Equal(2, resent.Count);
            Assert.Equal(asked.Nonce, resent[1].Nonce);
            Assert.Equal(asked.Signatures, resent[1].Signatures);
        }

        [Fact]
        public async Task Each_fact_that_is_not_the_promotions_is_refused_with_its_own_code()
        {
            var id = await WaitingAsync();

            await SendAsync(SignedByDesk(Vote(id, "alice", Officer) with { ModelName = "toy-model" }));
            await SendAsync(SignedByDesk(Vote(id, "alice", Officer) with { Version = 1 }));
            await SendAsync(SignedByDesk(Vote(id, "alice", Officer) with { TargetStage = "staging" }));
            await SendAsync(SignedByDesk(Vote(id, "alice", Officer) with { ManifestDigest = Store.Facts("m", 1)!.ManifestDigest }));
            await SendAsync(SignedByDesk(Vote(id, "alice", Officer) with { Nonce = new string('0', 64) }));

            Assert.Equal([ApprovalRefusals.ModelMismatch, ApprovalRefusals.VersionMismatch, ApprovalRefusals.StageMismatch,
                ApprovalRefusals.DigestMismatch, ApprovalRefusals.NonceMismatch], RefusalsOf(id));
            Assert.Empty(Promotion(id).Votes);
            Assert.Equal(5, AuditsOf(id).Count(a => a == "approval.refused"));
        }

        [Fact]
        public async Task A_decision_processed_after_the_deadline_is_expired_before_the_deadline_message_fires()
        {
            var id = await WaitingAsync();
            var due = Promotion(id).ApprovalDeadline!.Value;
            var decided = Vote(id, "alice", Officer);

            Clock.Advance(due - Clock.GetUtcNow() + TimeSpan.FromSeconds(1));
            await SendAsync(decided);

            Assert.Equal([ApprovalRefusals.ApprovalExpired], RefusalsOf(id));
            Assert.Equal("AwaitingApproval", StateOf(id)); // until the deadline's own message expires it
            Assert.Empty(Promotion(id).Votes);
        }

        [Fact]
        public async Task DecidedAt_outside_the_window_is_refused()
        {
            var id = await WaitingAsync();

            await SendAsync(SignedByDesk(Vote(id, "alice", Officer) with { DecidedAt = new DateTimeOffset(2020, 1, 1, 0, 0, 0, TimeSpan.Zero) }));
            await SendAsync(SignedByDesk(Vote(id, "alice", Officer) with { DecidedAt = new DateTimeOffset(2099, 1, 1, 0, 0, 0, TimeSpan.Zero) }));

            Assert.Equal([ApprovalRefusals.DecidedAtOutOfRange, ApprovalRefusals.DecidedAtOutOfRange], RefusalsOf(id));
            Assert.Empty(Promotion(id).Votes);
        }

        [Fact]
        public async Task A_refused_signed_decision_never_counts_later_even_when_it_otherwise_would()
        {
            var id = await WaitingAsync();
            // Decided 10 minutes in the future: refused now, though it would be in range 10 minutes later.
            var early = SignedByDesk(Vote(id, "alice", Officer) with { DecidedAt = Clock.GetUtcNow().AddMinutes(10) });
            await SendAsync(early);
            Assert.Equal([ApprovalRefusals.DecidedAtOutOfRange], RefusalsOf(id));
            Assert.Equal(ApprovalRefusals.DecidedAtOutOfRange, Store.Refused[(id, early.Signature)].ReasonCode);

            Clock.Advance(TimeSpan.FromMinutes(10));
            await SendAsync(early);
            await SendAsync(Vote(id, "bob", Security));

            Assert.Equal([ApprovalRefusals.DecidedAtOutOfRange, ApprovalRefusals.ReplayedDecision], RefusalsOf(id));
            var replay = Commits.Events.OfType<ApprovalRefused>().Last(e => e.PromotionId == id);
            Assert.StartsWith($"signature: this signed decision was refused for promotion {id} at ", replay.Message, StringComparison.Ordinal);
            Assert.Contains("(decided_at_out_of_range)", replay.Message, StringComparison.Ordinal);
            Assert.Equal("AwaitingApproval", StateOf(id));
            Assert.Equal(["bob"], Promotion(id).Votes.Select(v => v.Approver));
        }

        [Fact]
        public async Task A_forged_decision_is_not_remembered()
        {
            var id = await WaitingAsync();
            await SendAsync(Vote(id, "alice", Officer, signature: "bad"));
            Assert.Equal([ApprovalRefusals.BadSignature], RefusalsOf(id));
            Assert.Empty(Store.Refused);
        }
    }
}
