using Dapper;
using MassTransit;
using ModelRegistry.Contracts.Promotion;
using ModelRegistry.Platform;
using ModelRegistry.Promotion.Approvals;
using ModelRegistry.Testing;
using static ModelRegistry.Host.Tests.Promotion.PromotionSteps;

namespace ModelRegistry.Host.Tests.Promotion;

/// <summary>The development access policy plus carol, an approver of <see cref="TestPolicies.Approvers"/>, as a requester.</summary>
public sealed class CarolRequests : RunningRegistry
{
    public const string Carol = "carol";

    protected override string? AccessPolicyJson => $$"""
        {
          "registry": ["{{BrokerUsers.Workers}}"],
          "principals": {
            "{{BrokerUsers.Pipeline}}": { "teams": ["*"] },
            "{{BrokerUsers.Evaluator}}": { "suites": ["*"] },
            "{{BrokerUsers.Ticketing}}": { "integrations": ["*"] },
            "{{BrokerUsers.Serving}}": { "environments": ["*"] },
            "{{BrokerUsers.Operator}}": { "roles": ["requester", "canceller", "on-call", "governance", "triage", "probe"] },
            "{{Carol}}": { "roles": ["requester"] }
          }
        }
        """;
}

/// <summary>
/// Who asked, over the real broker: the requester is the sender's validated user_id, not the body's requestedBy, so an
/// approver cannot request as someone else and then approve; rollbacks need on-call, once per incident, from what is in
/// production.
/// </summary>
public class Identity_Specs(CarolRequests registry) : IClassFixture<CarolRequests>
{
    private const string Carol = CarolRequests.Carol;

    [Fact]
    public async Task An_approvers_RequestPromotion_that_claims_another_requester_is_recorded_with_the_authenticated_principal_and_its_own_approval_is_refused_self_approval()
    {
        Assert.Contains("model-risk-officer", TestPolicies.Approvers[Carol]);
        await RegisterAsync(registry, "carol-model", "run-1", "high");
        Assert.IsType<ModelVersionPromoted>(await PromoteAsync(registry, Request("carol-model", 1, "staging")));
        await using var ticketing = await TicketingClient.StartAsync(registry.As(BrokerUsers.Ticketing), TestPolicies.Integration, TestPolicies.Secret);
        var request = Request("carol-model", 1, "production", by: "erin");

        // carol's own broker user, through a MassTransit bus that stamps it as user_id, as mreg does.
        var carol = await registry.PersonAsync(Carol);
        var bus = Bus.Factory.CreateUsingRabbitMq(cfg => cfg.Host(carol));
        await bus.StartAsync();
        try
        {
            await bus.Publish(request);
        }
        finally
        {
            await bus.StopAsync();
        }

        var outcome = await registry.Observer.WaitForAsync<object>(e => e switch
        {
            ApprovalRequested a => a.PromotionId == request.PromotionId,
            PromotionRejected r => r.PromotionId == request.PromotionId,
            _ => false,
        });
        Assert.IsType<ApprovalRequested>(outcome); // not rejected: carol holds the requester role
        var asked = await ticketing.WaitForRequestAsync(request.PromotionId);
        Assert.Equal(Carol, asked.RequestedBy);
        await using (var c = await registry.DataSource.OpenConnectionAsync())
        {
            Assert.Equal((Carol, "erin"), await c.QuerySingleAsync<(string, string)>(
                "SELECT requested_by, claimed_by FROM registry.promotions WHERE promotion_id = @id", new { id = request.PromotionId }));
        }
        var requested = (await AuditOfAsync(registry, request.PromotionId.ToString("D"))).First(a => a.Action == "promotion.requested");
        Assert.Equal(Carol, requested.Actor);
        Assert.Contains("\"claimedBy\": \"erin\"", requested.Details);

        await ticketing.DecideAsync(request.PromotionId, TicketVote.Approve(Carol, "model-risk-officer"));

        var refused = await registry.Observer.WaitForAsync<ApprovalRefused>(r => r.PromotionId == request.PromotionId);
        Assert.Equal((ApprovalRefusals.SelfApproval, Carol), (refused.ReasonCode, refused.Approver));
        Assert.Equal("AwaitingApproval", await PromotionStateAsync(registry, request.PromotionId));
        Assert.Equal("staging", await StageAsync(registry, "carol-model", 1));
    }

    [Fact]
    public async Task A_RequestPromotion_without_a_principal_or_from_one_without_the_requester_role_is_rejected()
    {
        await RegisterAsync(registry, "nobody-model", "run-1", "low");
        var anonymous = Request("nobody-model", 1, "staging");
        var pipeline = Request("nobody-model", 1, "staging");

        await registry.Observer.PublishAnonymouslyAsync(anonymous);
        await registry.Observer.PublishAsAsync(BrokerUsers.Pipeline, pipeline);

        Assert.Equal("unauthenticated", Assert.IsType<PromotionRejected>(await OutcomeAsync(registry, anonymous.PromotionId)).ReasonCode);
        Assert.Equal("not_permitted", Assert.IsType<PromotionRejected>(await OutcomeAsync(registry, pipeline.PromotionId)).ReasonCode);
        Assert.Equal("registered", await StageAsync(registry, "nobody-model", 1));
        var audit = await AuditOfAsync(registry, pipeline.PromotionId.ToString("D"));
        Assert.Equal([("promotion.requested", BrokerUsers.Pipeline), ("promotion.rejected", "svc:promotion")], audit.Select(a => (a.Action, a.Actor)));
    }

    [Fact]
    public async Task Three_RequestRollback_for_the_same_incident_step_back_once_and_one_from_a_principal_without_on_call_is_refused()
    {
        await ThreeInProductionAsync("incident-model");
        var first = Rollback("incident-model", "INC-77", fromVersion: 3);
        var repeats = new[] { first with { RollbackId = Guid.NewGuid() }, first with { RollbackId = Guid.NewGuid() } };
        var pipeline = Rollback("incident-model", "INC-78", fromVersion: 3);

        await registry.Observer.PublishAsAsync(BrokerUsers.Pipeline, pipeline);
        await registry.Observer.PublishAsync(first);
        foreach (var repeat in repeats) await registry.Observer.PublishAsync(repeat);

        var notPermitted = await registry.Observer.WaitForAsync<RollbackRejected>(r => r.RollbackId == pipeline.RollbackId);
        Assert.Equal("not_permitted", notPermitted.ReasonCode);
        var outcomes = new List<object>();
        foreach (var id in new[] { first.RollbackId }.Concat(repeats.Select(r => r.RollbackId)))
        {
            outcomes.Add(await registry.Observer.WaitForAsync<object>(e => e switch
            {
                ModelVersionRolledBack b => b.RollbackId == id,
                RollbackRejected r => r.RollbackId == id,
                _ => false,
            }));
        }
        var done = Assert.Single(outcomes.OfType<ModelVersionRolledBack>());
        Assert.Equal((2, 3, BrokerUsers.Operator), (done.RestoredVersion, done.RetiredVersion, done.RequestedBy));
        Assert.Equal(["duplicate_incident", "duplicate_incident"], outcomes.OfType<RollbackRejected>().Select(r => r.ReasonCode));
        Assert.Equal(("retired", "production", "retired"),
            (await StageAsync(registry, "incident-model", 1), await StageAsync(registry, "incident-model", 2), await StageAsync(registry, "incident-model", 3)));
        var audit = await AuditOfAsync(registry, "incident-model");
        Assert.Equal(BrokerUsers.Operator, Assert.Single(audit, a => a.Action == "rollback.executed").Actor);
        Assert.Contains(audit, a => a.Action == "rollback.rejected" && a.Actor == BrokerUsers.Pipeline && a.Details.Contains("not_permitted"));
    }

    [Fact]
    public async Task A_rollback_from_a_version_that_is_no_longer_in_production_is_refused_stale_rollback()
    {
        await ThreeInProductionAsync("stale-model");
        var stale = Rollback("stale-model", "INC-90", fromVersion: 2); // 3 is in production

        await registry.Observer.PublishAsync(stale);

        var refused = await registry.Observer.WaitForAsync<RollbackRejected>(r => r.RollbackId == stale.RollbackId);
        Assert.Equal("stale_rollback", refused.ReasonCode);
        Assert.Contains("version 3 is in production now", refused.Message, StringComparison.Ordinal);
        Assert.Equal("production", await StageAsync(registry, "stale-model", 3));
    }

    [Fact]
    public async Task A_lowered_model_tier_spares_no_promotion_in_flight_but_applies_to_the_next_request()
    {
        await RegisterAsync(registry, "lowered", "run-1", "medium");
        var before = Request("lowered", 1, "staging");
        await registry.Observer.PublishAsync(before);
        await Eventually.UntilAsync(() => PromotionStateAsync(registry, before.PromotionId), s => s == "AwaitingEvaluations",
            TimeSpan.FromSeconds(60), "the medium promotion waiting for its accuracy suite");

        // Governance lowers the tier (ChangeModelGovernance writes this column).
        Assert.Equal(1, await registry.TamperAsSuperuserAsync("UPDATE registry.models SET risk_tier = 'low' WHERE name = 'lowered'"));
        await registry.Observer.PublishAsync(PromotionSteps.Evaluation("lowered", 1, accuracy: 0.5)); // fails medium's gate; low has none

        var rejected = Assert.IsType<PromotionRejected>(await OutcomeAsync(registry, before.PromotionId));
        Assert.Equal("gates_failed", rejected.ReasonCode);
        var after = Request("lowered", 1, "staging");
        Assert.IsType<ModelVersionPromoted>(await PromoteAsync(registry, after));
        Assert.Equal("staging", await StageAsync(registry, "lowered", 1));
    }

    private async Task ThreeInProductionAsync(string model)
    {
        for (var v = 1; v <= 3; v++)
        {
            await RegisterAsync(registry, model, $"run-{v}", "low");
            Assert.IsType<ModelVersionPromoted>(await PromoteAsync(registry, Request(model, v, "production")));
        }
    }

    private static RequestRollback Rollback(string model, string incident, int fromVersion) => new()
    {
        RollbackId = Guid.NewGuid(), ModelName = model, IncidentId = incident, FromVersion = fromVersion, RequestedBy = "oncall-ops",
        Reason = "error rate tripled",
    };
}
