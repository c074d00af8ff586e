using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Dapper;
using ModelRegistry.Platform;
using ModelRegistry.Contracts;
using ModelRegistry.Contracts.Promotion;
using ModelRegistry.Testing;
using RabbitMQ.Client;

namespace ModelRegistry.Host.Tests;

/// <summary>
/// Bodies over Messages:MaxBodyBytes (1 MiB by default) through the real broker (which takes up to 2 MiB) and host: each
/// command's rejection event names the limit, the body is kept cut to 4 KiB with its size and SHA-256, nothing else
/// is stored, and the worker goes on; a command without a rejection event lands in its error queue with the reason.
/// </summary>
public class OversizedBody_Specs(RunningRegistry registry) : IClassFixture<RunningRegistry>
{
    private const int Limit = 1024 * 1024;
    private static readonly JsonSerializerOptions Wire = new(JsonSerializerDefaults.Web);
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);
    private static readonly string[] TrainedUrn = ["urn:message:ModelRegistry.Contracts:ModelTrained"];
    private PlainBroker Broker => new(registry.RabbitMq);

    [Fact]
    public async Task A_registration_one_byte_over_the_limit_is_refused_unread_once_and_the_worker_goes_on()
    {
        var body = Padded(registry.Pipeline.Trained("oversized-registration", "run-oversized"), Limit + 1);
        var messageId = Guid.NewGuid();
        await Broker.PublishBytesAsync("mreg.model-trained", body, messageId);
        await Broker.PublishBytesAsync("mreg.model-trained", body, messageId); // the publisher's retry: same message id
        var after = registry.Pipeline.Trained("after-oversized", "run-after");
        await Broker.PublishJsonAsync("mreg.model-trained", after);

        var rejected = await registry.Observer.WaitForAsync<ModelRegistrationRejected>(e => e.ModelName == "oversized-registration", Timeout);
        Assert.Equal(RejectionReasons.BodyTooLarge, rejected.ReasonCode);
        Assert.Contains("1,048,577 bytes", rejected.Message);
        Assert.Contains("1,048,576 bytes (Messages:MaxBodyBytes)", rejected.Message);
        await registry.Observer.WaitForAsync<ModelVersionRegistered>(e => e.ModelName == "after-oversized", Timeout);

        await using var c = await registry.DataSource.OpenConnectionAsync();
        var rows = (await c.QueryAsync<(Guid? MessageId, string ReasonCode, string Payload)>(
            "SELECT message_id, reason_code, payload::text FROM registry.rejections WHERE kind = 'registration' AND subject = 'oversized-registration'")).ToList();
        var row = Assert.Single(rows);
        Assert.Equal(messageId, row.MessageId);
        Assert.Equal(RejectionReasons.BodyTooLarge, row.ReasonCode);
        using var payload = JsonDocument.Parse(row.Payload);
        Assert.Equal(Limit + 1, payload.RootElement.GetProperty("size").GetInt64());
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(body)), payload.RootElement.GetProperty("sha256").GetString());
        Assert.True(payload.RootElement.GetProperty("truncated").GetBoolean());
        Assert.Equal(Encoding.UTF8.GetString(body, 0, 4096), payload.RootElement.GetProperty("head").GetString());
        Assert.Equal(0, await c.ExecuteScalarAsync<int>("SELECT count(*) FROM registry.models WHERE name = 'oversized-registration'"));
        Assert.Equal(1, registry.Observer.All<ModelRegistrationRejected>().Count(e => e.ModelName == "oversized-registration"));
    }

    [Fact]
    public async Task A_body_of_exactly_the_limit_is_read_and_registered()
    {
        var body = Padded(registry.Pipeline.Trained("at-the-limit", "run-at-limit"), Limit);
        Assert.Equal(Limit, body.Length);
        await Broker.PublishBytesAsync("mreg.model-trained", body, Guid.NewGuid());
        var registered = await registry.Observer.WaitForAsync<ModelVersionRegistered>(e => e.ModelName == "at-the-limit", Timeout);
        Assert.Equal(1, registered.Version);
    }

    [Fact]
    public async Task A_body_in_MassTransits_envelope_is_refused_the_same_way_with_the_names_inside_the_envelope()
    {
        var trained = registry.Pipeline.Trained("oversized-envelope", "run-envelope", idempotencyKey: "key-envelope");
        var envelope = JsonSerializer.SerializeToUtf8Bytes(new
        {
            messageId = Guid.NewGuid(), messageType = TrainedUrn,
            message = JsonSerializer.SerializeToElement(trained, Wire),
        }, Wire);
        await Broker.PublishBytesAsync("mreg.model-trained", Padded(envelope, Limit + 4096), Guid.NewGuid(), "application/vnd.masstransit+json");

        var rejected = await registry.Observer.WaitForAsync<ModelRegistrationRejected>(e => e.ModelName == "oversized-envelope", Timeout);
        Assert.Equal(RejectionReasons.BodyTooLarge, rejected.ReasonCode);
        Assert.Equal("key-envelope", rejected.IdempotencyKey);
    }

    [Fact]
    public async Task Each_command_with_a_rejection_event_gets_it_with_the_ids_from_the_head()
    {
        var (promotionId, approvalFor, rollbackId, evaluationId) = (Guid.NewGuid(), Guid.NewGuid(), Guid.NewGuid(), Guid.NewGuid());
        await Broker.PublishBytesAsync("mreg.request-promotion", Padded(new RequestPromotion
        {
            PromotionId = promotionId, ModelName = "big-promotion", Version = 3, TargetStage = "staging", RequestedBy = "alice", Reason = "r",
        }, Limit + 100), Guid.NewGuid());
        await Broker.PublishBytesAsync("mreg.approval-decided", Padded(new ApprovalDecided
        {
            PromotionId = approvalFor, Integration = "jira", TicketId = "OPS-1", Approver = "bob", Role = "risk", Decision = "approve",
        }, Limit + 100), Guid.NewGuid());
        await Broker.PublishBytesAsync("mreg.request-rollback", Padded(new RequestRollback
        {
            RollbackId = rollbackId, ModelName = "big-rollback", IncidentId = "INC-9", RequestedBy = "carol", Reason = "r",
        }, Limit + 100), Guid.NewGuid());
        await Broker.PublishBytesAsync("mreg.evaluation-completed", Padded(new EvaluationCompleted
        {
            EvaluationId = evaluationId, ModelName = "big-evaluation", Version = 1, Suite = "s",
        }, Limit + 100), Guid.NewGuid());

        var promotion = await registry.Observer.WaitForAsync<PromotionRejected>(e => e.PromotionId == promotionId, Timeout);
        Assert.Equal((RejectionReasons.BodyTooLarge, "big-promotion", 3, "staging"), (promotion.ReasonCode, promotion.ModelName, promotion.Version, promotion.TargetStage));
        var approval = await registry.Observer.WaitForAsync<ApprovalRefused>(e => e.PromotionId == approvalFor, Timeout);
        Assert.Equal((RejectionReasons.BodyTooLarge, "OPS-1", "bob"), (approval.ReasonCode, approval.TicketId, approval.Approver));
        var rollback = await registry.Observer.WaitForAsync<RollbackRejected>(e => e.RollbackId == rollbackId, Timeout);
        Assert.Equal((RejectionReasons.BodyTooLarge, "big-rollback", "INC-9"), (rollback.ReasonCode, rollback.ModelName, rollback.IncidentId));
        Assert.Contains("Messages:MaxBodyBytes", rollback.Message);
        var evaluation = await registry.Observer.WaitForAsync<EvaluationRejected>(e => e.EvaluationId == evaluationId, Timeout);
        Assert.Equal(RejectionReasons.BodyTooLarge, evaluation.ReasonCode);

        await using var c = await registry.DataSource.OpenConnectionAsync();
        var kinds = (await c.QueryAsync<(string Kind, string Subject)>(
            "SELECT kind, subject FROM registry.rejections WHERE reason_code = 'body_too_large' AND kind <> 'registration' ORDER BY kind")).ToList();
        Assert.Equal([("approval", approvalFor.ToString()), ("evaluation", evaluationId.ToString()), ("promotion", promotionId.ToString()),
            ("rollback", rollbackId.ToString())], kinds);
        Assert.Equal(0, await c.ExecuteScalarAsync<int>("SELECT count(*) FROM registry.promotions WHERE promotion_id = @promotionId", new { promotionId }));
    }

    [Fact]
    public async Task An_oversized_probe_has_no_rejection_event_and_lands_in_probe_error_with_the_limit_as_its_reason()
    {
        await Broker.PublishBytesAsync("mreg.run-probe", Padded(new RunProbe { ProbeId = Guid.NewGuid(), RequestedBy = "ops" }, Limit + 10), Guid.NewGuid());

        var fault = await Eventually.UntilAsync(() => ErrorReasonAsync("probe_error"), r => r is not null, Timeout, "a message in probe_error");
        Assert.Contains("the body is 1,048,586 bytes", fault);
        Assert.Contains("Messages:MaxBodyBytes", fault);
        var queues = await Broker.QueuesAsync(["probe"]);
        Assert.Equal(0u, Assert.Single(queues).Messages);
    }

    /// <summary>The JSON of <paramref name="message"/> with a trailing "padding" property (ignored, as unknown properties are) making it exactly <paramref name="size"/> bytes.</summary>
    private static byte[] Padded(object message, int size) =>
        Padded(message as byte[] ?? JsonSerializer.SerializeToUtf8Bytes(message, message.GetType(), Wire), size);

    private static byte[] Padded(byte[] json, int size)
    {
        var prefix = json.AsSpan(0, json.Length - 1).ToArray(); // without the closing brace
        var filler = size - prefix.Length - ""","padding":""}""".Length;
        Assert.True(filler >= 0);
        return [.. prefix, .. Encoding.ASCII.GetBytes($$""","padding":"{{new string('x', filler)}}"}""")];
    }

    /// <summary>The fault reason of the first message in <paramref name="queue"/> (left there), or null when it is empty.</summary>
    private async Task<string?> ErrorReasonAsync(string queue)
    {
        await using var connection = await Preflight.ConnectionFactory(registry.RabbitMq).CreateConnectionAsync("oversized-specs");
        await using var channel = await connection.CreateChannelAsync();
        try
        {
            if (await channel.BasicGetAsync(queue, autoAck: false) is not { } delivery) return null;
            await channel.BasicNackAsync(delivery.DeliveryTag, multiple: false, requeue: true);
            return delivery.BasicProperties.Headers?.TryGetValue("MT-Fault-Message", out var reason) == true && reason is byte[] bytes
                ? Encoding.UTF8.GetString(bytes) : "(no MT-Fault-Message header)";
        }
        catch (RabbitMQ.Client.Exceptions.OperationInterruptedException)
        {
            return null; // the error queue does not exist yet
        }
    }
}
