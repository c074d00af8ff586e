using System.Text.Json;
using System.Threading.Channels;
using MassTransit;
using ModelRegistry.Platform;
using ModelRegistry.Contracts.Promotion;
using ModelRegistry.Promotion.Approvals;
using ModelRegistry.Testing;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;
using ModelRegistry.Promotion.Rules;
using ModelRegistry.Registration.Rules;

namespace ModelRegistry.Host.Tests;

/// <summary>
/// The simulated ticketing integration on the real broker, without the promotion worker: requests published as the
/// registry would reach it, and what it publishes is what docs/ticketing.md asks an integrator to publish.
/// </summary>
public class TicketingClient_Specs(IsolatedEnvironment env) : IClassFixture<IsolatedEnvironment>
{
    private const string Secret = "ticketing-client-spec-secret-0123456789abcdef";
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    private static TicketingOptions Ticketing => new()
    {
        Integrations = { ["jira"] = new TicketingIntegrationOptions { Secret = Secret, Approvers = ["*"], Roles = ["*"] } },
    };

    private static readonly ApproverDirectory Approvers = ApproverDirectory.Of(("alice", ["model-risk-officer"]), ("bob", ["security-review"]));

    /// <summary>A request as the registry sends it: with a nonce, signed for integration jira.</summary>
    private static ApprovalRequested Request(string model)
    {
        var request = Unsigned(model);
        return request with { Signatures = ApprovalRequestSignature.ForEach(request, Ticketing) };
    }

    private static ApprovalRequested Unsigned(string model) => new()
    {
        PromotionId = NewId.NextGuid(),
        ModelName = model,
        Version = 4,
        FromStage = "canary",
        TargetStage = "production",
        RiskTier = "high",
        RequestedBy = "rachel",
        Reason = "canary clean",
        RequiredRoles = ["model-risk-officer", "security-review"],
        DistinctApprovers = 2,
        Deadline = DateTimeOffset.UtcNow.AddDays(3),
        Evidence = new PromotionEvidence { ManifestDigest = "sha256:" + new string('a', 64), Metrics = new Dictionary<string, double> { ["accuracy-v2/accuracy"] = 0.93 } },
        Nonce = ApprovalRequestSignature.NewNonce(),
    };

    /// <summary>The client as a ticketing user, once the requests' exchange exists as the registry declares it.</summary>
    private async Task<TicketingClient> StartClientAsync(string integration, string secret,
        Func<ApprovalRequested, IEnumerable<TicketVote>>? strategy = null)
    {
        await using (var connection = await Preflight.ConnectionFactory(env.RabbitMq).CreateConnectionAsync())
        await using (var channel = await connection.CreateChannelAsync())
            await channel.ExchangeDeclareAsync(TicketingClient.RequestedExchange, ExchangeType.Fanout, durable: true, autoDelete: false);
        return await TicketingClient.StartAsync(env.As(BrokerUsers.Ticketing), integration, secret, strategy);
    }

    [Fact]
    public async Task It_answers_a_request_published_by_MassTransit_with_signed_plain_JSON_decisions()
    {
        await using var decided = await DecidedQueue.StartAsync(env.RabbitMq);
        await using var client = await StartClientAsync("jira", Secret, r =>
        [
            TicketVote.Approve("alice", r.RequiredRoles[0], "Geprüft: ok ✓\n2:x"),
            TicketVote.Reject("bob", r.RequiredRoles[1]),
        ]);
        var request = Request("mt-model");

        var bus = Bus.Factory.CreateUsingRabbitMq(cfg => cfg.Host(env.RabbitMq));
        await bus.StartAsync();
        try
        {
            await bus.Publish(request);
        }
        finally
        {
            await bus.StopAsync();
        }

        var received = await client.WaitForRequestAsync(request.PromotionId, Patience);
        Assert.Equal("mt-model", received.ModelName);
        Assert.Equal(["model-risk-officer", "security-review"], received.RequiredRoles);
        Assert.Equal(0.93, received.Evidence.Metrics["accuracy-v2/accuracy"]);

        var deliveries = new[] { await decided.NextAsync(Patience), await decided.NextAsync(Patience) };
        foreach (var d in deliveries)
        {
            Assert.Equal("application/json", d.ContentType);
            Assert.True(d.Persistent);
            Assert.True(Guid.TryParse(d.MessageId, out _));
            Assert.Equal(BrokerUsers.Ticketing, d.UserId);
            using var json = JsonDocument.Parse(d.Body);
            Assert.False(json.RootElement.TryGetProperty("message", out _)); // plain JSON, no envelope
            Assert.Equal(request.PromotionId, json.RootElement.GetProperty("promotionId").GetGuid()); // camelCase
            var decision = JsonSerializer.Deserialize<ApprovalDecided>(d.Body, TicketingClient.Wire)!;
            Assert.True(ApprovalSignature.Verify(decision, ApprovalSignature.SecretBytes(Secret)));
            Assert.Null(ApprovalAuthentication.Check(decision, Ticketing, Approvers));
            Assert.Equal((request.ModelName, request.Version, request.TargetStage, request.Evidence.ManifestDigest, request.Nonce),
                (decision.ModelName, decision.Version, decision.TargetStage, decision.ManifestDigest, decision.Nonce));
        }
        var byApprover = deliveries.Select(d => JsonSerializer.Deserialize<ApprovalDecided>(d.Body, TicketingClient.Wire)!).ToDictionary(d => d.Approver);
        Assert.Equal(("model-risk-officer", "approved", "Geprüft: ok ✓\n2:x"), (byApprover["alice"].Role, byApprover["alice"].Decision, byApprover["alice"].Comment));
        Assert.Equal(("security-review", "rejected"), (byApprover["bob"].Role, byApprover["bob"].Decision));
        Assert.Equal(2, client.Published.Count);
        Assert.Empty(client.Faults);
    }

    [Fact]
    public async Task It_reads_a_request_published_as_plain_JSON_and_waits_without_polling()
    {
        await using var client = await StartClientAsync("jira", Secret);
        var request = Request("plain-model");
        var waiting = client.WaitForRequestAsync(r => r.ModelName == "plain-model", Patience);
        Assert.False(waiting.IsCompleted);

        var factory = Preflight.ConnectionFactory(env.RabbitMq);
        await using (var connection = await factory.CreateConnectionAsync())
        await using (var channel = await connection.CreateChannelAsync(new CreateChannelOptions(true, true)))
        {
            await channel.BasicPublishAsync(TicketingClient.RequestedExchange, "", false,
                new BasicProperties { ContentType = "application/json", DeliveryMode = DeliveryModes.Persistent },
                JsonSerializer.SerializeToUtf8Bytes(request, TicketingClient.Wire));
        }

        var received = await waiting;
        Assert.Equal(request.PromotionId, received.PromotionId);
        Assert.Equal(request.Deadline, received.Deadline);
        Assert.Same(received, Assert.Single(client.Requests));
    }

    [Fact]
    public async Task Waiting_for_a_request_that_never_comes_times_out_naming_what_arrived()
    {
        await using var client = await StartClientAsync("jira", Secret);
        var e = await Assert.ThrowsAsync<TimeoutException>(() => client.WaitForRequestAsync(Guid.NewGuid(), TimeSpan.FromMilliseconds(300)));
        Assert.Contains("no matching ApprovalRequested within 0.3 s; received 0", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_request_the_registry_did_not_sign_for_its_integration_is_never_answered()
    {
        await using var decided = await DecidedQueue.StartAsync(env.RabbitMq);
        await using var client = await StartClientAsync("jira", Secret, r => [TicketVote.Approve("alice", r.RequiredRoles[0])]);
        var signed = Request("genuine-model");
        var forged = signed with { ModelName = "toy-model", PromotionId = NewId.NextGuid() }; // the genuine signature, another request
        var unsigned = Unsigned("unsigned-model");

        await using (var connection = await Preflight.ConnectionFactory(env.RabbitMq).CreateConnectionAsync())
        await using (var channel = await connection.CreateChannelAsync(new CreateChannelOptions(true, true)))
        {
            foreach (var request in new[] { forged, unsigned, signed })
                await channel.BasicPublishAsync(TicketingClient.RequestedExchange, "", false,
                    new BasicProperties { ContentType = "application/json", DeliveryMode = DeliveryModes.Persistent },
                    JsonSerializer.SerializeToUtf8Bytes(request, TicketingClient.Wire));
        }

        var answer = JsonSerializer.Deserialize<ApprovalDecided>((await decided.NextAsync(Patience)).Body, TicketingClient.Wire)!;
        Assert.Equal((signed.PromotionId, "genuine-model"), (answer.PromotionId, answer.ModelName));
        Assert.Equal(2, client.Faults.Count);
        Assert.All(client.Faults, f => Assert.Contains("no valid registry signature for integration 'jira'", f.Message, StringComparison.Ordinal));
        Assert.Single(client.Published);
    }

    [Fact]
    public async Task Forged_and_unsigned_decisions_are_published_as_given()
    {
        await using var decided = await DecidedQueue.StartAsync(env.RabbitMq);
        await using var client = await StartClientAsync("jira", Secret);
        var honest = client.Decision(Request("forged-model"), TicketVote.Approve("alice", "model-risk-officer"));

        await client.PublishAsync(honest with { Signature = "" });
        await client.PublishAsync(honest with { Approver = "bob" });
        await client.PublishRawAsync("""{"promotionId": "not a uuid"}"""u8.ToArray());

        var unsigned = JsonSerializer.Deserialize<ApprovalDecided>((await decided.NextAsync(Patience)).Body, TicketingClient.Wire)!;
        Assert.Equal(ApprovalRefusals.BadSignature, ApprovalAuthentication.Check(unsigned, Ticketing, Approvers)?.ReasonCode);
        var forged = JsonSerializer.Deserialize<ApprovalDecided>((await decided.NextAsync(Patience)).Body, TicketingClient.Wire)!;
        Assert.Equal("bob", forged.Approver);
        Assert.Equal(ApprovalRefusals.BadSignature, ApprovalAuthentication.Check(forged, Ticketing, Approvers)?.ReasonCode);
        Assert.Equal("""{"promotionId": "not a uuid"}""", System.Text.Encoding.UTF8.GetString((await decided.NextAsync(Patience)).Body));
    }

    /// <summary>A test's own queue on mreg.approval-decided, standing in for the promotion worker's.</summary>
    private sealed class DecidedQueue : IAsyncDisposable
    {
        private readonly IConnection connection;
        private readonly IChannel channel;
        private readonly Channel<Delivery> deliveries = Channel.CreateUnbounded<Delivery>();

        private DecidedQueue(IConnection connection, IChannel channel)
        {
            this.connection = connection;
            this.channel = channel;
        }

        public static async Task<DecidedQueue> StartAsync(RabbitMqOptions rabbit)
        {
            var connection = await Preflight.ConnectionFactory(rabbit).CreateConnectionAsync();
            var channel = await connection.CreateChannelAsync();
            var queue = new DecidedQueue(connection, channel);
            await channel.ExchangeDeclareAsync(TicketingClient.DecidedExchange, ExchangeType.Fanout, durable: true, autoDelete: false);
            var declared = await channel.QueueDeclareAsync("", durable: false, exclusive: true, autoDelete: true);
            await channel.QueueBindAsync(declared.QueueName, TicketingClient.DecidedExchange, "");
            var consumer = new AsyncEventingBasicConsumer(channel);
            consumer.ReceivedAsync += (_, d) =>
            {
                queue.deliveries.Writer.TryWrite(new Delivery(d.Body.ToArray(), d.BasicProperties.ContentType, d.BasicProperties.Persistent,
                    d.BasicProperties.MessageId, d.BasicProperties.UserId));
                return Task.CompletedTask;
            };
            await channel.BasicConsumeAsync(declared.QueueName, autoAck: true, consumer);
            return queue;
        }

        public async Task<Delivery> NextAsync(TimeSpan timeout) => await deliveries.Reader.ReadAsync().AsTask().WaitAsync(timeout);

        public async ValueTask DisposeAsync()
        {
            await channel.CloseAsync();
            await connection.CloseAsync();
            await channel.DisposeAsync();
            await connection.DisposeAsync();
        }
    }

    private sealed record Delivery(byte[] Body, string? ContentType, bool Persistent, string? MessageId, string? UserId);
}
