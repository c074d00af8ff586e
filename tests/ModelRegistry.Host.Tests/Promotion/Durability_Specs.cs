using Dapper;
using ModelRegistry.Contracts.Promotion;
using ModelRegistry.Testing;
using ModelRegistry.Promotion.Rules;
using static ModelRegistry.Host.Tests.Promotion.PromotionSteps;

namespace ModelRegistry.Host.Tests.Promotion;

/// <summary>
/// high: production needs two approvals within two minutes; critical: within 5 s; medium: staging needs an accuracy
/// evaluation within 5 s.
/// </summary>
public sealed class ShortDeadlines : IsolatedEnvironment
{
    protected override string PromotionPolicyJson => """
        {
          "tiers": {
            "low": { "production": { "from": ["registered"] } },
            "medium": {
              "staging": { "from": ["registered"], "gates": { "requiredSuites": ["accuracy"] }, "evaluationTimeout": "PT5S" }
            },
            "high": {
              "staging": { "from": ["registered"] },
              "production": {
                "from": ["staging"],
                "approvals": { "roles": ["model-risk-officer", "security-review"], "distinctApprovers": 2, "timeout": "PT2M" }
              }
            },
            "critical": {
              "staging": { "from": ["registered"] },
              "production": {
                "from": ["staging"],
                "approvals": { "roles": ["model-risk-officer", "security-review"], "distinctApprovers": 2, "timeout": "PT5S" }
              }
            }
          }
        }
        """;
}

/// <summary>Promotions outlive their host processes: durable saga rows, durable Quartz deadlines, several hosts at once.</summary>
public class Durability_Specs(ShortDeadlines env) : IClassFixture<ShortDeadlines>
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(90);

    private async Task<(HostProcess Host, RegistryObserver Observer)> StartAsync()
    {
        var host = HostProcess.StartHost(env.EnvironmentVariables);
        await host.WaitUntilStartedAsync();
        return (host, await RegistryObserver.StartAsync(env.AdminRabbitMq, env.RabbitMq.Username));
    }

    private async Task RegisterAsync(RegistryObserver observer, string model, string tier)
    {
        await observer.PublishAsync(new TrainingPipeline(env.SourceRoot).Trained(model, "run-1") with { RiskTier = tier });
        await observer.WaitForAsync<Contracts.ModelVersionRegistered>(e => e.ModelName == model, Timeout);
    }

    private async Task<long> AuditCountAsync(Guid promotionId, string action)
    {
        await using var c = await env.DataSource.OpenConnectionAsync();
        return await c.ExecuteScalarAsync<long>("SELECT count(*) FROM registry.audit_log WHERE subject = @s AND action = @action",
            new { s = promotionId.ToString("D"), action });
    }

    [Fact]
    public async Task A_promotion_waiting_for_approval_survives_a_killed_host_and_completes_on_approval()
    {
        var (first, observer) = await StartAsync();
        await using var _ = observer;
        await RegisterAsync(observer, "survivor", "high");
        Assert.IsType<ModelVersionPromoted>(await PromoteAsync(observer, Request("survivor", 1, "staging"), Timeout));
        var request = Request("survivor", 1, "production");
        await observer.PublishAsync(request);
        var asked = await observer.WaitForAsync<ApprovalRequested>(r => r.PromotionId == request.PromotionId, Timeout);
        first.KillHard();
        await first.WaitForExitAsync(Timeout);
        await first.DisposeAsync();

        await using var second = HostProcess.StartHost(env.EnvironmentVariables);
        await second.WaitUntilStartedAsync();
        await using var ticketing = await TicketingClient.StartAsync(env.As(BrokerUsers.Ticketing), TestPolicies.Integration, TestPolicies.Secret);
        // It connected after the request went out: it answers the request as the registry sent it.
        await ticketing.DecideAsync(asked, TicketVote.Approve("alice", "model-risk-officer"));
        await ticketing.DecideAsync(asked, TicketVote.Approve("bob", "security-review"));

        var promoted = Assert.IsType<ModelVersionPromoted>(await OutcomeAsync(observer, request.PromotionId, Timeout));
        Assert.Equal(2, promoted.ApprovedBy.Count);
        Assert.Equal("production", await StageAsync(env, "survivor", 1));
    }

    [Fact]
    public async Task An_approval_deadline_fires_after_a_restart_and_expires_the_promotion_once()
    {
        var (first, observer) = await StartAsync();
        await using var _ = observer;
        await RegisterAsync(observer, "expiring", "critical");
        Assert.IsType<ModelVersionPromoted>(await PromoteAsync(observer, Request("expiring", 1, "staging"), Timeout));
        var request = Request("expiring", 1, "production");
        await observer.PublishAsync(request);
        var asked = await observer.WaitForAsync<ApprovalRequested>(r => r.PromotionId == request.PromotionId, Timeout);
        // The process that scheduled the deadline dies before it is due; another one must fire it.
        first.KillHard();
        await first.WaitForExitAsync(Timeout);
        await first.DisposeAsync();
        Assert.True(DateTimeOffset.UtcNow < asked.Deadline, "the deadline passed before the host was killed: the test proved nothing");

        await using var second = HostProcess.StartHost(env.EnvironmentVariables);
        await second.WaitUntilStartedAsync();

        var expired = Assert.IsType<PromotionRejected>(await OutcomeAsync(observer, request.PromotionId, Timeout));
        Assert.Equal("approval_timeout", expired.ReasonCode);
        Assert.True(expired.RejectedAt >= asked.Deadline, $"expired at {expired.RejectedAt:O}, before its deadline {asked.Deadline:O}");
        Assert.Equal("Expired", await PromotionStateAsync(env, request.PromotionId));
        Assert.Equal("staging", await StageAsync(env, "expiring", 1));
        Assert.Equal(1, await AuditCountAsync(request.PromotionId, "promotion.expired"));
    }

    [Fact]
    public async Task A_deadline_scheduled_before_the_workers_became_modules_still_fires_after_migration_0009()
    {
        var (first, observer) = await StartAsync();
        await using var _ = observer;
        await RegisterAsync(observer, "upgraded", "critical");
        Assert.IsType<ModelVersionPromoted>(await PromoteAsync(observer, Request("upgraded", 1, "staging"), Timeout));
        var request = Request("upgraded", 1, "production");
        await observer.PublishAsync(request);
        var asked = await observer.WaitForAsync<ApprovalRequested>(r => r.PromotionId == request.PromotionId, Timeout);
        first.KillHard();
        await first.WaitForExitAsync(Timeout);
        await first.DisposeAsync();

        // As a registry of the old layout left it: its job stored under the type name of the old Components assembly.
        const string Stored = "ModelRegistry.Promotion.PromotionDeadlineJob, ModelRegistry.Promotion";
        Assert.Equal(Stored, $"{typeof(ModelRegistry.Promotion.PromotionDeadlineJob).FullName}, {typeof(ModelRegistry.Promotion.PromotionDeadlineJob).Assembly.GetName().Name}");
        Assert.Equal(1, await env.TamperAsSuperuserAsync(
            $"UPDATE quartz.qrtz_job_details SET job_class_name = 'ModelRegistry.Components.Promotion.PromotionDeadlineJob, ModelRegistry.Components' WHERE job_name LIKE '{request.PromotionId:D}/%'"));
        await using (var script = typeof(ModelRegistry.Platform.DatabaseMigrator).Assembly.GetManifestResourceStream("0009_module_job_types.sql")!)
        using (var reader = new StreamReader(script))
            Assert.Equal(1, await env.TamperAsSuperuserAsync(await reader.ReadToEndAsync()));
        Assert.True(DateTimeOffset.UtcNow < asked.Deadline, "the deadline passed before the job was rewritten: the test proved nothing");

        await using var second = HostProcess.StartHost(env.EnvironmentVariables);
        await second.WaitUntilStartedAsync();
        var expired = Assert.IsType<PromotionRejected>(await OutcomeAsync(observer, request.PromotionId, Timeout));
        Assert.Equal("approval_timeout", expired.ReasonCode);
    }

    [Fact]
    public async Task An_evaluation_deadline_expires_a_promotion_whose_evaluation_never_came()
    {
        var (host, observer) = await StartAsync();
        await using var _ = host;
        await using var __ = observer;
        await RegisterAsync(observer, "unevaluated", "medium");
        var request = Request("unevaluated", 1, "staging");

        var expired = Assert.IsType<PromotionRejected>(await PromoteAsync(observer, request, Timeout));

        Assert.Equal("evaluation_timeout", expired.ReasonCode);
        Assert.Contains("accuracy", expired.Message);
        Assert.Equal("registered", await StageAsync(env, "unevaluated", 1));
    }

    [Fact]
    public async Task Two_hosts_handling_one_promotions_approvals_at_once_never_lose_a_vote()
    {
        const int Promotions = 12;
        await using var a = HostProcess.StartHost(env.EnvironmentVariables);
        await using var b = HostProcess.StartHost(env.EnvironmentVariables);
        await Task.WhenAll(a.WaitUntilStartedAsync(), b.WaitUntilStartedAsync());
        await using var observer = await RegistryObserver.StartAsync(env.AdminRabbitMq, env.RabbitMq.Username);
        await using var ticketing = await TicketingClient.StartAsync(env.As(BrokerUsers.Ticketing), TestPolicies.Integration, TestPolicies.Secret);

        var requests = new List<RequestPromotion>();
        for (var i = 0; i < Promotions; i++)
        {
            var model = $"contended-{i}";
            await RegisterAsync(observer, model, "high");
            Assert.IsType<ModelVersionPromoted>(await PromoteAsync(observer, Request(model, 1, "staging"), Timeout));
            var request = Request(model, 1, "production");
            await observer.PublishAsync(request);
            requests.Add(request);
        }
        foreach (var request in requests) await ticketing.WaitForRequestAsync(request.PromotionId, Timeout);

        // Both votes of each promotion at the same moment: the two hosts take them in parallel and race on the saga row.
        var votes = requests.Select(r => new[]
        {
            ticketing.Decision(r.PromotionId, TicketVote.Approve("alice", "model-risk-officer")),
            ticketing.Decision(r.PromotionId, TicketVote.Approve("bob", "security-review")),
        }).ToList();
        await Task.WhenAll(votes.SelectMany(v => v).Select(d => ticketing.PublishAsync(d)));

        foreach (var request in requests)
        {
            var promoted = Assert.IsType<ModelVersionPromoted>(await OutcomeAsync(observer, request.PromotionId, Timeout));
            Assert.Equal(["alice", "bob"], promoted.ApprovedBy.Select(x => x.Approver).Order());
            Assert.Equal(2, await AuditCountAsync(request.PromotionId, "approval.accepted"));
        }
        await using var c = await env.DataSource.OpenConnectionAsync();
        Assert.Equal(Promotions, await c.ExecuteScalarAsync<long>(
            "SELECT count(*) FROM registry.promotions WHERE model_name LIKE 'contended-%' AND target_stage = 'production' AND state = 'Promoted' AND jsonb_array_length(votes) = 2"));
        // Both hosts counted votes (each logs the first vote of a promotion it handled).
        Assert.Contains("approved as", a.Output);
        Assert.Contains("approved as", b.Output);
    }
}
