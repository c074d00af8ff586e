using ModelRegistry.Contracts.Promotion;
using ModelRegistry.Promotion.Approvals;
using ModelRegistry.Testing;
using static ModelRegistry.Host.Tests.Promotion.PromotionSteps;

namespace ModelRegistry.Host.Tests.Promotion;

/// <summary>
/// Promotions to production of "high" tier versions need model-risk-officer and security-review, two people
/// (<see cref="TestPolicies.Standard"/>); decisions come from a simulated ticketing client over the real broker.
/// </summary>
public class Approval_Specs(RunningRegistry registry) : IClassFixture<RunningRegistry>
{
    /// <summary>A high-tier version in staging with a production promotion waiting for approval.</summary>
    private async Task<RequestPromotion> WaitingForApprovalAsync(string model, string requestedBy = "erin")
    {
        await RegisterAsync(registry, model, "run-1", "high");
        Assert.IsType<ModelVersionPromoted>(await PromoteAsync(registry, Request(model, 1, "staging")));
        var request = Request(model, 1, "production", requestedBy);
        await registry.Observer.PublishAsync(request);
        var asked = await registry.Observer.WaitForAsync<ApprovalRequested>(r => r.PromotionId == request.PromotionId);
        Assert.Equal(["model-risk-officer", "security-review"], asked.RequiredRoles);
        return request;
    }

    private async Task<ApprovalRefused> RefusedAsync(Guid promotionId, string reasonCode)
    {
        var refused = await registry.Observer.WaitForAsync<ApprovalRefused>(r => r.PromotionId == promotionId && r.ReasonCode == reasonCode);
        var audit = await AuditOfAsync(registry, promotionId.ToString("D"));
        Assert.Contains(audit, a => a.Action == "approval.refused" && a.Details.Contains($"\"{reasonCode}\""));
        return refused;
    }

    private async Task StillWaitingAsync(Guid promotionId, string model)
    {
        Assert.Equal("AwaitingApproval", await PromotionStateAsync(registry, promotionId));
        Assert.Equal("staging", await StageAsync(registry, model, 1));
    }

    [Fact]
    public async Task Two_approvals_from_ticketing_promote_to_production_and_the_audit_chain_verifies()
    {
        await using var ticketing = await TicketingClient.StartAsync(registry.As(BrokerUsers.Ticketing), TestPolicies.Integration, TestPolicies.Secret,
            r => r.ModelName == "approved-model"
                ? [TicketVote.Approve("alice", "model-risk-officer", "metrics fine"), TicketVote.Approve("bob", "security-review", "scan clean")]
                : []);
        var request = await WaitingForApprovalAsync("approved-model");

        var promoted = Assert.IsType<ModelVersionPromoted>(await OutcomeAsync(registry, request.PromotionId));

        Assert.Equal(("staging", "production"), (promoted.FromStage, promoted.ToStage));
        Assert.Equal(["alice/model-risk-officer", "bob/security-review"], promoted.ApprovedBy.Select(a => $"{a.Approver}/{a.Role}").Order());
        Assert.Equal("production", await StageAsync(registry, "approved-model", 1));
        var seen = await ticketing.WaitForRequestAsync(request.PromotionId);
        Assert.Equal(BrokerUsers.Operator, seen.RequestedBy); // the sender's principal, not the body's "erin"
        Assert.Equal("CHG-1001", seen.ChangeTicket);
        Assert.NotEmpty(seen.Evidence.ManifestDigest);
        Assert.Equal("0123456789abcdef0123456789abcdef01234567", seen.Evidence.CodeCommit);
        // The deployments worker records the deploy instruction under the same id, on its own time: not the saga's record.
        var actions = (await AuditOfAsync(registry, request.PromotionId.ToString("D"))).Select(a => a.Action)
            .Where(a => !a.StartsWith("deployment.", StringComparison.Ordinal)).ToList();
        Assert.Equal(["promotion.requested", "approval.requested", "approval.accepted", "approval.accepted", "promotion.promoted"], actions);

        await using var verify = HostProcess.StartCli(registry.EnvironmentVariables, "audit", "verify");
        Assert.Equal(0, await verify.WaitForExitAsync(TimeSpan.FromSeconds(60)));
    }

    [Fact]
    public async Task A_rejection_by_one_approver_rejects_the_promotion()
    {
        await using var ticketing = await TicketingClient.StartAsync(registry.As(BrokerUsers.Ticketing), TestPolicies.Integration, TestPolicies.Secret);
        var request = await WaitingForApprovalAsync("rejected-model");
        await ticketing.DecideAsync(request.PromotionId, TicketVote.Reject("bob", "security-review", "unpinned dependencies"));

        var rejected = Assert.IsType<PromotionRejected>(await OutcomeAsync(registry, request.PromotionId));
        Assert.Equal("approval_rejected", rejected.ReasonCode);
        Assert.Contains("unpinned dependencies", rejected.Message);
        Assert.Equal("staging", await StageAsync(registry, "rejected-model", 1));
    }

    [Fact]
    public async Task A_decision_with_a_bad_signature_is_refused_audited_and_the_promotion_keeps_waiting()
    {
        await using var ticketing = await TicketingClient.StartAsync(registry.As(BrokerUsers.Ticketing), TestPolicies.Integration, TestPolicies.Secret);
        var request = await WaitingForApprovalAsync("forged-sig");
        var signed = ticketing.Decision(request.PromotionId, TicketVote.Approve("alice", "model-risk-officer"));
        await ticketing.PublishAsync(signed with { Approver = "carol" }); // edited after signing

        var refused = await RefusedAsync(request.PromotionId, ApprovalRefusals.BadSignature);
        Assert.Equal("carol", refused.Approver);
        await StillWaitingAsync(request.PromotionId, "forged-sig");
    }

    [Fact]
    public async Task A_decision_without_a_signature_is_refused()
    {
        await using var ticketing = await TicketingClient.StartAsync(registry.As(BrokerUsers.Ticketing), TestPolicies.Integration, TestPolicies.Secret);
        var request = await WaitingForApprovalAsync("unsigned");
        await ticketing.PublishAsync(ticketing.Decision(request.PromotionId, TicketVote.Approve("alice", "model-risk-officer")) with { Signature = "" });

        await RefusedAsync(request.PromotionId, ApprovalRefusals.BadSignature);
        await StillWaitingAsync(request.PromotionId, "unsigned");
    }

    [Fact]
    public async Task A_decision_from_an_unknown_integration_is_refused()
    {
        await using var rogue = await TicketingClient.StartAsync(registry.As(BrokerUsers.Ticketing), "rogue-desk", "rogue-desk-secret-0123456789abcdef-0123456789");
        var request = await WaitingForApprovalAsync("rogue");
        await rogue.DecideAsync(request.PromotionId, TicketVote.Approve("alice", "model-risk-officer"));

        await RefusedAsync(request.PromotionId, ApprovalRefusals.UnknownIntegration);
        await StillWaitingAsync(request.PromotionId, "rogue");
    }

    [Theory]
    [InlineData("dave", "data-scientist", "role_not_required")]
    [InlineData("dave", "model-risk-officer", "approver_lacks_role")]
    [InlineData("zed", "model-risk-officer", "approver_unknown")]
    public async Task A_decision_in_the_wrong_role_or_by_the_wrong_person_is_refused(string approver, string role, string reason)
    {
        await using var ticketing = await TicketingClient.StartAsync(registry.As(BrokerUsers.Ticketing), TestPolicies.Integration, TestPolicies.Secret);
        var model = $"wrong-{reason.Replace('_', '-')}";
        var request = await WaitingForApprovalAsync(model);
        await ticketing.DecideAsync(request.PromotionId, TicketVote.Approve(approver, role));

        await RefusedAsync(request.PromotionId, reason);
        await StillWaitingAsync(request.PromotionId, model);
    }

    [Fact]
    public async Task A_requester_named_only_in_the_body_is_no_requester_and_may_approve()
    {
        // The requester is the sender's principal (mreg-operator here); self-approval by a principal: Identity_Specs.
        await using var ticketing = await TicketingClient.StartAsync(registry.As(BrokerUsers.Ticketing), TestPolicies.Integration, TestPolicies.Secret);
        var request = await WaitingForApprovalAsync("claimed-requester", requestedBy: "alice");
        await ticketing.DecideAsync(request.PromotionId, TicketVote.Approve("alice", "model-risk-officer"));
        await ticketing.DecideAsync(request.PromotionId, TicketVote.Approve("bob", "security-review"));

        var promoted = Assert.IsType<ModelVersionPromoted>(await OutcomeAsync(registry, request.PromotionId));
        Assert.Equal(BrokerUsers.Operator, promoted.RequestedBy);
        Assert.Equal(["alice", "bob"], promoted.ApprovedBy.Select(a => a.Approver).Order());
    }

    [Fact]
    public async Task The_same_person_approving_twice_counts_once()
    {
        await using var ticketing = await TicketingClient.StartAsync(registry.As(BrokerUsers.Ticketing), TestPolicies.Integration, TestPolicies.Secret);
        var request = await WaitingForApprovalAsync("twice-approved");
        await ticketing.DecideAsync(request.PromotionId, TicketVote.Approve("carol", "model-risk-officer"));
        await ticketing.DecideAsync(request.PromotionId, TicketVote.Approve("carol", "security-review"));

        await RefusedAsync(request.PromotionId, ApprovalRefusals.DuplicateVote);
        await StillWaitingAsync(request.PromotionId, "twice-approved");
        // The deployments worker records the deploy instruction under the same id, on its own time: not the saga's record.
        var actions = (await AuditOfAsync(registry, request.PromotionId.ToString("D"))).Select(a => a.Action)
            .Where(a => !a.StartsWith("deployment.", StringComparison.Ordinal)).ToList();
        Assert.Single(actions, a => a == "approval.accepted");
    }

    [Fact]
    public async Task A_decision_for_a_finished_or_unknown_promotion_is_refused()
    {
        await using var ticketing = await TicketingClient.StartAsync(registry.As(BrokerUsers.Ticketing), TestPolicies.Integration, TestPolicies.Secret);
        var request = await WaitingForApprovalAsync("finished");
        await ticketing.DecideAsync(request.PromotionId, TicketVote.Approve("alice", "model-risk-officer"));
        await ticketing.DecideAsync(request.PromotionId, TicketVote.Approve("bob", "security-review"));
        Assert.IsType<ModelVersionPromoted>(await OutcomeAsync(registry, request.PromotionId));

        await ticketing.DecideAsync(request.PromotionId, TicketVote.Reject("carol", "model-risk-officer", "too late"));
        await RefusedAsync(request.PromotionId, ApprovalRefusals.PromotionFinished);
        Assert.Equal("production", await StageAsync(registry, "finished", 1));

        var nowhere = Guid.NewGuid();
        var asked = await ticketing.WaitForRequestAsync(request.PromotionId);
        await ticketing.DecideAsync(asked with { PromotionId = nowhere }, TicketVote.Approve("alice", "model-risk-officer"));
        await RefusedAsync(nowhere, ApprovalRefusals.UnknownPromotion);
    }

    [Fact]
    public async Task The_evidence_for_approvers_shows_the_difference_from_the_version_in_production()
    {
        await using var ticketing = await TicketingClient.StartAsync(registry.As(BrokerUsers.Ticketing), TestPolicies.Integration, TestPolicies.Secret,
            r => r.ModelName == "evidence" ? [TicketVote.Approve("alice", "model-risk-officer"), TicketVote.Approve("bob", "security-review")] : []);
        foreach (var (version, accuracy) in new[] { (1, 0.90), (2, 0.94) })
        {
            await RegisterAsync(registry, "evidence", $"run-{version}", "high");
            var evaluation = PromotionSteps.Evaluation("evidence", version, accuracy);
            await registry.Observer.PublishAsync(evaluation);
            await registry.Observer.WaitForAsync<Contracts.EvaluationRecorded>(e => e.EvaluationId == evaluation.EvaluationId);
            Assert.IsType<ModelVersionPromoted>(await PromoteAsync(registry, Request("evidence", version, "staging")));
        }
        Assert.IsType<ModelVersionPromoted>(await PromoteAsync(registry, Request("evidence", 1, "production")));

        var second = Request("evidence", 2, "production");
        var promoted = Assert.IsType<ModelVersionPromoted>(await PromoteAsync(registry, second));

        Assert.Equal([1], promoted.RetiredVersions);
        var evidence = (await ticketing.WaitForRequestAsync(second.PromotionId)).Evidence;
        Assert.Equal(1, evidence.ProductionVersion);
        Assert.Equal(0.94, evidence.Metrics["accuracy/accuracy"], 6);
        Assert.Equal(0.04, evidence.MetricDeltas["accuracy/accuracy"]); // 0.94 - 0.90 in binary floating point is 0.039999999999999925
        Assert.DoesNotContain("same artifact bytes as production", evidence.LineageChanges);
    }
}
