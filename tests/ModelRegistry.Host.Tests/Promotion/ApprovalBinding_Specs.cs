using Dapper;
using ModelRegistry.Contracts.Promotion;
using ModelRegistry.Platform;
using ModelRegistry.Promotion;
using ModelRegistry.Promotion.Approvals;
using ModelRegistry.Promotion.Rules;
using ModelRegistry.Testing;
using static ModelRegistry.Host.Tests.Promotion.PromotionSteps;

namespace ModelRegistry.Host.Tests.Promotion;

/// <summary>
/// A running registry whose high-tier production approvals are due in two minutes and critical-tier ones in eight
/// seconds, with a clock skew of two seconds for decidedAt.
/// </summary>
public sealed class BindingRegistry : RunningRegistry
{
    public static readonly TimeSpan Skew = TimeSpan.FromSeconds(2);

    protected override string PromotionPolicyJson => """
        {
          "tiers": {
            "low": { "staging": { "from": ["registered"] } },
            "medium": { "staging": { "from": ["registered"] } },
            "high": {
              "staging": { "from": ["registered"] },
              "production": { "from": ["staging"], "approvals": { "roles": ["model-risk-officer", "security-review"], "distinctApprovers": 2, "timeout": "PT2M" } }
            },
            "critical": {
              "staging": { "from": ["registered"] },
              "production": { "from": ["staging"], "approvals": { "roles": ["model-risk-officer", "security-review"], "distinctApprovers": 2, "timeout": "PT8S" } }
            }
          }
        }
        """;

    public override IReadOnlyDictionary<string, string> HostEnvironment =>
        new Dictionary<string, string>(EnvironmentVariables) { ["Ticketing__ClockSkew"] = Skew.ToString() };
}

/// <summary>Approvals bound to what they approve, in time, never counted once refused: over the real broker and database.</summary>
public class ApprovalBinding_Specs(BindingRegistry registry) : IClassFixture<BindingRegistry>
{
    private async Task<(RequestPromotion Request, ApprovalRequested Asked)> WaitingForApprovalAsync(TicketingClient ticketing, string model,
        string tier = "high")
    {
        await RegisterAsync(registry, model, "run-1", tier);
        Assert.IsType<ModelVersionPromoted>(await PromoteAsync(registry, Request(model, 1, "staging")));
        var request = Request(model, 1, "production");
        await registry.Observer.PublishAsync(request);
        var asked = await ticketing.WaitForRequestAsync(request.PromotionId);
        Assert.Empty(ticketing.Faults); // its signature for the integration verified
        return (request, asked);
    }

    private async Task<ApprovalRefused> RefusedAsync(Guid promotionId, string reasonCode)
    {
        var refused = await registry.Observer.WaitForAsync<ApprovalRefused>(r => r.PromotionId == promotionId && r.ReasonCode == reasonCode);
        var audit = await AuditOfAsync(registry, promotionId.ToString("D"));
        Assert.Contains(audit, a => a.Action == "approval.refused" && a.Details.Contains($"\"{reasonCode}\""));
        return refused;
    }

    private async Task<int> AcceptedAsync(Guid promotionId) =>
        (await AuditOfAsync(registry, promotionId.ToString("D"))).Count(a => a.Action == "approval.accepted");

    [Fact]
    public async Task A_signed_approval_whose_model_version_stage_digest_or_nonce_is_not_the_promotions_is_refused()
    {
        await using var ticketing = await TicketingClient.StartAsync(registry.As(BrokerUsers.Ticketing), TestPolicies.Integration, TestPolicies.Secret);
        var other = await RegisterAsync(registry, "bound-toy", "run-1", "high");
        var (request, asked) = await WaitingForApprovalAsync(ticketing, "bound-model");
        var alice = TicketVote.Approve("alice", "model-risk-officer");
        // Each correctly signed by the integration, over what a forged or stale request would have shown.
        (ApprovalRequested Shown, string Code)[] cases =
        [
            (asked with { ModelName = "bound-toy" }, ApprovalRefusals.ModelMismatch),
            (asked with { Version = 2 }, ApprovalRefusals.VersionMismatch),
            (asked with { TargetStage = "staging" }, ApprovalRefusals.StageMismatch),
            (asked with { Evidence = asked.Evidence with { ManifestDigest = other.ManifestDigest } }, ApprovalRefusals.DigestMismatch),
            (asked with { Nonce = new string('0', 64) }, ApprovalRefusals.NonceMismatch),
        ];
        foreach (var (shown, code) in cases)
        {
            await ticketing.DecideAsync(shown, alice);
            var refused = await RefusedAsync(request.PromotionId, code);
            Assert.Equal("alice", refused.Approver);
        }
        Assert.NotEqual(asked.Evidence.ManifestDigest, other.ManifestDigest);
        Assert.Equal(0, await AcceptedAsync(request.PromotionId));

        // The same person's decision on what the request named counts.
        await ticketing.DecideAsync(asked, alice);
        await registry.Observer.WaitForAsync<Contracts.AuditRecorded>(a => a.Subject == request.PromotionId.ToString("D") && a.Action == "approval.accepted");
        Assert.Equal("AwaitingApproval", await PromotionStateAsync(registry, request.PromotionId));
        Assert.Equal("staging", await StageAsync(registry, "bound-model", 1));
    }

    [Fact]
    public async Task An_approval_processed_after_the_deadline_is_refused_approval_expired_before_the_deadline_fires()
    {
        await using var ticketing = await TicketingClient.StartAsync(registry.As(BrokerUsers.Ticketing), TestPolicies.Integration, TestPolicies.Secret);
        var (request, asked) = await WaitingForApprovalAsync(ticketing, "late-model", "critical");
        // The scheduler is late: its deadline job is gone, so nothing expires the promotion on time.
        await using (var c = await registry.DataSource.OpenConnectionAsync())
        {
            var key = QuartzPromotionDeadlines.KeyOf(request.PromotionId, DeadlineKinds.Approval);
            var deleted = await c.ExecuteAsync($"""
                DELETE FROM {QuartzSchema.TablePrefix}simple_triggers WHERE trigger_name = @name AND trigger_group = @group;
                DELETE FROM {QuartzSchema.TablePrefix}triggers WHERE trigger_name = @name AND trigger_group = @group;
                DELETE FROM {QuartzSchema.TablePrefix}job_details WHERE job_name = @name AND job_group = @group;
                """, new { name = key.Name, group = key.Group });
            Assert.Equal(3, deleted);
        }
        var decided = ticketing.Decision(asked, TicketVote.Approve("alice", "model-risk-officer"));
        await WaitUntilAsync(() => DateTimeOffset.UtcNow > asked.Deadline.AddSeconds(1), asked.Deadline.AddSeconds(30));

        await ticketing.PublishAsync(decided); // decided in time, processed too late

        var refused = await RefusedAsync(request.PromotionId, ApprovalRefusals.ApprovalExpired);
        Assert.StartsWith($"the approval deadline {ApprovalSignature.FormatTimestamp(asked.Deadline)} has passed", refused.Message, StringComparison.Ordinal);
        Assert.Equal(0, await AcceptedAsync(request.PromotionId));
        Assert.Equal("AwaitingApproval", await PromotionStateAsync(registry, request.PromotionId));
    }

    [Fact]
    public async Task A_replayed_refused_decision_never_counts_even_when_it_otherwise_would()
    {
        await using var ticketing = await TicketingClient.StartAsync(registry.As(BrokerUsers.Ticketing), TestPolicies.Integration, TestPolicies.Secret);
        var (request, asked) = await WaitingForApprovalAsync(ticketing, "replayed-model");
        var decidedAt = DateTimeOffset.UtcNow.AddSeconds(6);
        decidedAt = new DateTimeOffset(decidedAt.UtcTicks - decidedAt.UtcTicks % 10, TimeSpan.Zero);
        var early = ticketing.Decision(asked, TicketVote.Approve("alice", "model-risk-officer") with { DecidedAt = decidedAt });

        await ticketing.PublishAsync(early); // decidedAt 6 s ahead, skew 2 s: out of range now
        await RefusedAsync(request.PromotionId, ApprovalRefusals.DecidedAtOutOfRange);
        await using (var c = await registry.DataSource.OpenConnectionAsync())
            Assert.Equal(ApprovalRefusals.DecidedAtOutOfRange, await c.QuerySingleAsync<string>(
                "SELECT reason_code FROM registry.refused_approvals WHERE promotion_id = @id AND signature = @signature",
                new { id = request.PromotionId, signature = early.Signature }));
        await ticketing.DecideAsync(asked, TicketVote.Approve("bob", "security-review"));
        await registry.Observer.WaitForAsync<Contracts.AuditRecorded>(a => a.Subject == request.PromotionId.ToString("D") && a.Action == "approval.accepted");

        // Now the very same message would be in range, and it is the last approval the promotion needs.
        await WaitUntilAsync(() => DateTimeOffset.UtcNow > decidedAt, decidedAt.AddSeconds(30));
        await ticketing.PublishAsync(early);

        var replay = await RefusedAsync(request.PromotionId, ApprovalRefusals.ReplayedDecision);
        Assert.Contains("(decided_at_out_of_range)", replay.Message, StringComparison.Ordinal);
        Assert.Equal(1, await AcceptedAsync(request.PromotionId));
        Assert.Equal("AwaitingApproval", await PromotionStateAsync(registry, request.PromotionId));
        Assert.Equal("staging", await StageAsync(registry, "replayed-model", 1));
    }

    [Fact]
    public async Task A_decision_in_the_v1_form_is_refused_as_legacy()
    {
        await using var ticketing = await TicketingClient.StartAsync(registry.As(BrokerUsers.Ticketing), TestPolicies.Integration, TestPolicies.Secret);
        var (request, asked) = await WaitingForApprovalAsync(ticketing, "legacy-model");

        await ticketing.PublishAsync(ticketing.SignV1(ticketing.Decision(asked, TicketVote.Approve("alice", "model-risk-officer"))));

        await RefusedAsync(request.PromotionId, ApprovalRefusals.LegacySignature);
        Assert.Equal(0, await AcceptedAsync(request.PromotionId));
    }

    // Waits for a moment on the clock, polling, failing at the limit: these tests wait for time itself to pass.
    private static async Task WaitUntilAsync(Func<bool> condition, DateTimeOffset limit)
    {
        while (!condition())
        {
            Assert.True(DateTimeOffset.UtcNow < limit, $"the condition did not hold by {limit:O}");
            await Task.Delay(100);
        }
    }
}
