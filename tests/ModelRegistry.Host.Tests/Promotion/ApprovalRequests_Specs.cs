using System.Text.Json;
using ModelRegistry.Cli;
using ModelRegistry.Contracts;
using ModelRegistry.Contracts.Promotion;
using ModelRegistry.Platform;
using ModelRegistry.Testing;
using RabbitMQ.Client;
using static ModelRegistry.Host.Tests.Promotion.PromotionSteps;

namespace ModelRegistry.Host.Tests.Promotion;

/// <summary>
/// How an approval request reaches a ticketing integration that is not listening yet (the durable queue the registry
/// declares for it), how an operator sends it again (<c>mreg approvals resend</c>), and what <c>mreg promotions show</c>
/// tells about its approvals. Policy: <see cref="TestPolicies.Standard"/>; integration <see cref="TestPolicies.Integration"/>.
/// </summary>
public class ApprovalRequests_Specs(RunningRegistry registry) : IClassFixture<RunningRegistry>
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(60);
    private static readonly string IntegrationQueue = "ticketing." + TestPolicies.Integration;

    private CliSettings Settings => new(registry.RabbitMq, registry.Database);

    /// <summary>A high-tier version in staging, evaluated, with a production promotion waiting for approval.</summary>
    private async Task<RequestPromotion> WaitingForApprovalAsync(string model, EvaluationCompleted? evaluation = null)
    {
        await RegisterAsync(registry, model, "run-1", "high");
        if (evaluation is not null)
        {
            await registry.Observer.PublishAsync(evaluation);
            await registry.Observer.WaitForAsync<EvaluationRecorded>(e => e.EvaluationId == evaluation.EvaluationId);
        }
        Assert.IsType<ModelVersionPromoted>(await PromoteAsync(registry, Request(model, 1, "staging")));
        var request = Request(model, 1, "production");
        await registry.Observer.PublishAsync(request);
        await registry.Observer.WaitForAsync<ApprovalRequested>(r => r.PromotionId == request.PromotionId);
        return request;
    }

    /// <summary>Takes the integration's queue's messages (as its integration would) until one for the promotion turns up.</summary>
    private static async Task<JsonElement> FromIntegrationQueueAsync(IChannel channel, Guid promotionId) =>
        await Eventually.UntilAsync(async () =>
        {
            while (await channel.BasicGetAsync(IntegrationQueue, autoAck: true) is { } got)
            {
                var message = JsonDocument.Parse(got.Body).RootElement.GetProperty("message").Clone();
                if (message.GetProperty("promotionId").GetGuid() == promotionId) return message;
            }
            return default;
        }, m => m.ValueKind == JsonValueKind.Object, Wait, $"an ApprovalRequested for {promotionId} in {IntegrationQueue}");

    [Fact]
    public async Task A_request_published_before_the_integration_listens_waits_in_its_durable_queue_with_the_evidence()
    {
        await using var connection = await Preflight.ConnectionFactory(registry.RabbitMq).CreateConnectionAsync();
        await using var channel = await connection.CreateChannelAsync();
        var declared = await channel.QueueDeclarePassiveAsync(IntegrationQueue); // throws when the registry did not declare it
        Assert.Equal(IntegrationQueue, declared.QueueName);
        var evaluation = PromotionSteps.Evaluation("queued-evidence", 1, 0.93) with
        {
            Metrics = new() { ["accuracy"] = 0.93, ["recall"] = 0.1 + 0.2 },
            BiasAssessments = [new BiasAssessment { Attribute = "gender", Metric = "demographic_parity_difference", Value = 0.031 }],
            SecurityFindings = [new SecurityFinding { Id = "PICKLE-1", Severity = "low", Title = "pickle import in loader" }],
        };

        var request = await WaitingForApprovalAsync("queued-evidence", evaluation);

        var message = await FromIntegrationQueueAsync(channel, request.PromotionId);
        Assert.Equal(["model-risk-officer", "security-review"], message.GetProperty("requiredRoles").EnumerateArray().Select(r => r.GetString()));
        var evidence = message.GetProperty("evidence");
        Assert.Equal("0.3", evidence.GetProperty("metrics").GetProperty("accuracy/recall").GetRawText());
        var bias = Assert.Single(evidence.GetProperty("bias").EnumerateArray());
        Assert.Equal(("accuracy", "gender", "demographic_parity_difference", 0.031),
            (bias.GetProperty("suite").GetString(), bias.GetProperty("attribute").GetString(), bias.GetProperty("metric").GetString(),
                bias.GetProperty("value").GetDouble()));
        var finding = Assert.Single(evidence.GetProperty("securityFindings").EnumerateArray());
        Assert.Equal(("accuracy", "PICKLE-1", "low", "pickle import in loader"),
            (finding.GetProperty("suite").GetString(), finding.GetProperty("id").GetString(), finding.GetProperty("severity").GetString(),
                finding.GetProperty("title").GetString()));
        Assert.Equal(1, evidence.GetProperty("findingCounts").GetProperty("low").GetInt32());
    }

    [Fact]
    public async Task Resend_publishes_the_request_again_with_the_same_deadline_and_audits_who_asked()
    {
        var request = await WaitingForApprovalAsync("resent");
        var first = await registry.Observer.WaitForAsync<ApprovalRequested>(r => r.PromotionId == request.PromotionId);

        await using (var cli = HostProcess.StartCli(registry.CliEnvironment(), "approvals", "resend", request.PromotionId.ToString(), "--by", "oncall"))
            Assert.True(await cli.WaitForExitAsync(Wait) == 0, cli.Output);

        await Eventually.UntilAsync(() => Task.FromResult(registry.Observer.All<ApprovalRequested>().Count(r => r.PromotionId == request.PromotionId)),
            n => n == 2, Wait, "the ApprovalRequested events of the promotion");
        var again = registry.Observer.All<ApprovalRequested>().Last(r => r.PromotionId == request.PromotionId);
        Assert.Equal(first.Deadline, again.Deadline);
        Assert.Equal(first.RequiredRoles, again.RequiredRoles);
        Assert.Equal(first.Evidence.ManifestDigest, again.Evidence.ManifestDigest);
        var audit = await Eventually.UntilAsync(() => AuditOfAsync(registry, request.PromotionId.ToString("D")),
            a => a.Any(x => x.Action == "approval.resent"), Wait, "the approval.resent record");
        Assert.Equal(["promotion.requested", "approval.requested", "approval.resent"], audit.Select(a => a.Action));
        Assert.Equal(BrokerUsers.Operator, audit[^1].Actor); // the principal; "--by oncall" is the claim
        Assert.Contains("\"claimedBy\": \"oncall\"", audit[^1].Details);
        Assert.Equal("AwaitingApproval", await PromotionStateAsync(registry, request.PromotionId));
    }

    [Fact]
    public async Task Resend_of_a_finished_or_unknown_promotion_exits_1_saying_why_and_sends_nothing()
    {
        var request = await WaitingForApprovalAsync("resend-finished");
        await registry.Observer.PublishAsync(new CancelPromotion { PromotionId = request.PromotionId, CancelledBy = "erin", Reason = "not now" });
        Assert.IsType<PromotionCancelled>(await OutcomeAsync(registry, request.PromotionId));

        await using (var cli = HostProcess.StartCli(registry.EnvironmentVariables, "approvals", "resend", request.PromotionId.ToString()))
        {
            Assert.Equal(1, await cli.WaitForExitAsync(Wait));
            Assert.Contains($"promotion {request.PromotionId} is Cancelled, not waiting for approval; nothing to resend", string.Join('\n', cli.StandardError));
        }
        var unknown = Guid.NewGuid();
        await using (var cli = HostProcess.StartCli(registry.EnvironmentVariables, "approvals", "resend", unknown.ToString()))
        {
            Assert.Equal(1, await cli.WaitForExitAsync(Wait));
            Assert.Contains($"no promotion {unknown}", string.Join('\n', cli.StandardError));
        }
        Assert.Single(registry.Observer.All<ApprovalRequested>(), r => r.PromotionId == request.PromotionId);
    }

    [Fact]
    public async Task Promotions_show_lists_the_required_roles_the_counted_votes_and_the_refused_ones()
    {
        await using var ticketing = await TicketingClient.StartAsync(registry.As(BrokerUsers.Ticketing), TestPolicies.Integration, TestPolicies.Secret);
        var request = await WaitingForApprovalAsync("shown-votes");
        await ticketing.DecideAsync(request.PromotionId, TicketVote.Approve("alice", "model-risk-officer", "metrics fine"));
        await ticketing.DecideAsync(request.PromotionId, TicketVote.Approve("dave", "data-scientist"));
        await ticketing.DecideAsync(request.PromotionId, TicketVote.Approve("zed", "security-review"));
        foreach (var code in new[] { "role_not_required", "approver_unknown" })
            await registry.Observer.WaitForAsync<ApprovalRefused>(r => r.PromotionId == request.PromotionId && r.ReasonCode == code);
        await Eventually.UntilAsync(() => AuditOfAsync(registry, request.PromotionId.ToString("D")),
            a => a.Count(x => x.Action is "approval.accepted" or "approval.refused") == 3, Wait, "the three decisions in the audit log");

        var (exit, shown, _) = await Cli_Specs.RunAsync(w => PromotionsCommand.ShowAsync(Settings, request.PromotionId.ToString(), json: true, w, default));

        Assert.Equal(0, exit);
        Assert.Equal(["model-risk-officer", "security-review"], shown.GetProperty("requiredRoles").EnumerateArray().Select(r => r.GetString()));
        Assert.Equal(2, shown.GetProperty("distinctApprovers").GetInt32());
        var vote = Assert.Single(shown.GetProperty("votes").EnumerateArray());
        Assert.Equal(("alice", "model-risk-officer", true), (vote.GetProperty("approver").GetString(), vote.GetProperty("role").GetString(),
            vote.GetProperty("approved").GetBoolean()));
        var refused = shown.GetProperty("refusedVotes").EnumerateArray()
            .Select(r => (r.GetProperty("approver").GetString(), r.GetProperty("role").GetString(), r.GetProperty("reasonCode").GetString()))
            .Order() // the two decisions may be handled in either order
            .ToList();
        Assert.Equal([("dave", "data-scientist", "role_not_required"), ("zed", "security-review", "approver_unknown")], refused);
        Assert.All(shown.GetProperty("refusedVotes").EnumerateArray(), r => Assert.Equal(JsonValueKind.String, r.GetProperty("refusedAt").ValueKind));
        Assert.Equal(2, shown.GetProperty("refusedVoteCount").GetInt32());

        var (_, _, text) = await Cli_Specs.RunAsync(w => PromotionsCommand.ShowAsync(Settings, request.PromotionId.ToString(), json: false, w, default));
        Assert.Contains("required roles       model-risk-officer, security-review (2 different approvers)", text);
        Assert.Contains("still needed         missing roles security-review (1 more approver(s))", text);
        Assert.Contains("votes (1)", text);
        Assert.Contains("refused votes (2)", text);
        Assert.Contains("dave as data-scientist: role_not_required", text);
        Assert.Contains("zed as security-review: approver_unknown", text);
    }
}
