using System.Text.Json;
using ModelRegistry.Contracts;
using ModelRegistry.Contracts.Promotion;
using ModelRegistry.Platform;
using ModelRegistry.Testing;
using RabbitMQ.Client;
using static ModelRegistry.Host.Tests.Promotion.PromotionSteps;

namespace ModelRegistry.Host.Tests.Promotion;

/// <summary>
/// How an approval request reaches a ticketing integration that is not listening yet: the durable queue the registry
/// declares for it. Policy: <see cref="TestPolicies.Standard"/>; integration <see cref="TestPolicies.Integration"/>.
/// </summary>
public class ApprovalRequests_Specs(RunningRegistry registry) : IClassFixture<RunningRegistry>
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(60);
    private static readonly string IntegrationQueue = "ticketing." + TestPolicies.Integration;

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
}
