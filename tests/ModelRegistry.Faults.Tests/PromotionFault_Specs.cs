using Dapper;
using ModelRegistry.Contracts.Promotion;
using ModelRegistry.Testing;
using Xunit.Abstractions;
using ModelRegistry.Promotion.Rules;

namespace ModelRegistry.Faults.Tests;

/// <summary>A promotion with approvals in flight across a broker restart and a database restart ends promoted, once.</summary>
[Collection(FaultSuite.Name)]
public class PromotionFault_Specs(FaultServices services, ITestOutputHelper output)
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(90);

    [Fact]
    public async Task A_promotion_waiting_for_approvals_across_a_broker_and_a_database_restart_is_promoted_once()
    {
        await using var run = new FaultRun(services, output, "promo") { HostSettings = FaultRun.Watchdog };
        await run.StartHostAsync();
        await run.Broker.PublishAsync([new TrainingPipeline(services.SourceRoot).Trained("promo-model", "promo-run-1") with { RiskTier = "high" }]);
        await Eventually.UntilAsync(run.RegisteredAsync, n => n == 1, Bound, "the version registered");
        var staging = Request("staging");
        await run.Broker.PublishJsonAsync("mreg.request-promotion", staging);
        await Eventually.UntilAsync(() => StateAsync(run, staging.PromotionId), s => s == "Promoted", Bound, "promoted to staging");

        var production = Request("production");
        // The decisions after the restarts answer this request (they sign its nonce and digest): a ticketing client
        // started after it went out would never see it, its queue being its own.
        ApprovalRequested request;
        await using (var watcher = await TicketingClient.StartAsync(services.As(BrokerUsers.Ticketing), TestPolicies.Integration, TestPolicies.Secret))
        {
            await run.Broker.PublishJsonAsync("mreg.request-promotion", production);
            request = await watcher.WaitForRequestAsync(production.PromotionId, Bound);
        }
        await Eventually.UntilAsync(() => StateAsync(run, production.PromotionId), s => s == "AwaitingApproval", Bound, "waiting for approvals");

        await services.StopBrokerAsync();
        await services.StartBrokerAsync();
        await using (var ticketing = await TicketingClient.StartAsync(services.As(BrokerUsers.Ticketing), TestPolicies.Integration, TestPolicies.Secret))
            await ticketing.DecideAsync(request, TicketVote.Approve("alice", "model-risk-officer"));
        await Eventually.UntilAsync(() => VotesAsync(run, production.PromotionId), n => n == 1, Bound, "the first vote recorded after the broker restart");

        await services.StopDatabaseAsync();
        await services.StartDatabaseAsync();
        await using (var ticketing = await TicketingClient.StartAsync(services.As(BrokerUsers.Ticketing), TestPolicies.Integration, TestPolicies.Secret))
            await ticketing.DecideAsync(request, TicketVote.Approve("bob", "security-review"));

        await Eventually.UntilAsync(() => StateAsync(run, production.PromotionId), s => s == "Promoted", Bound, "promoted to production after both restarts");
        await using var c = await services.DataSource.OpenConnectionAsync();
        Assert.Equal(1, await c.ExecuteScalarAsync<long>("SELECT count(*) FROM registry.audit_log WHERE subject = @s AND action = 'promotion.promoted'",
            new { s = production.PromotionId.ToString("D") }));
        Assert.Equal("production", await c.ExecuteScalarAsync<string>("""
            SELECT s.stage FROM registry.model_versions v JOIN registry.models m USING (model_id)
            JOIN registry.version_stages s ON s.version_id = v.version_id WHERE m.name = 'promo-model' AND v.version = 1
            """));
        run.Log($"promoted once; watchdog restarts: {run.WatchdogRestarts}");
        var errors = await run.Broker.QueuesAsync(["promotion_error", "rollback_error", "promotion-evaluations_error"]);
        Assert.All(errors, q => Assert.True(q.Messages == 0, $"{q.Queue} holds {q.Messages}"));
    }

    private static RequestPromotion Request(string stage) => new()
    {
        PromotionId = Guid.NewGuid(), ModelName = "promo-model", Version = 1, TargetStage = stage, RequestedBy = "erin",
        Reason = "fault test", ChangeTicket = "CHG-9",
    };

    // Each observation plays the supervisor first: a host the watchdog stopped (exit 4) is started again.
    private async Task<string> StateAsync(FaultRun run, Guid promotionId)
    {
        await run.SuperviseAsync();
        try
        {
            await using var c = await services.DataSource.OpenConnectionAsync();
            return await c.ExecuteScalarAsync<string>("SELECT state FROM registry.promotions WHERE promotion_id = @promotionId", new { promotionId }) ?? "";
        }
        catch (Npgsql.NpgsqlException)
        {
            return "(database unreachable)";
        }
    }

    private async Task<long> VotesAsync(FaultRun run, Guid promotionId)
    {
        await run.SuperviseAsync();
        return await services.TryCountAsync("SELECT count(*) FROM registry.audit_log WHERE subject = @s AND action = 'approval.accepted'",
            new { s = promotionId.ToString("D") }) ?? -1;
    }
}
