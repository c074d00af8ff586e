using System.Text.Json;
using Dapper;
using ModelRegistry.Contracts;
using ModelRegistry.Contracts.Deployments;
using ModelRegistry.Platform;
using ModelRegistry.Testing;
using RabbitMQ.Client;
using static ModelRegistry.Testing.DeploymentScript;

namespace ModelRegistry.Host.Tests;

/// <summary>
/// Deployment events from a serving platform through the real broker into a real host: the history does not depend on
/// the order or the number of deliveries, and what cannot be recorded is refused with its reason.
/// </summary>
public class Deployment_Specs(RunningRegistry registry) : IClassFixture<RunningRegistry>
{
    private const string IntervalsSql = """
        SELECT environment, deployment_id, version_id, model_name, version, manifest_digest, traffic_percent,
               lower(served)::text, coalesce(upper(served)::text, '-'), source, coalesce(closed_by, '-')
        FROM registry.deployment_intervals WHERE endpoint_id = @endpoint
        ORDER BY lower(served), deployment_id, upper(served) NULLS LAST
        """;

    private async Task<ModelVersionRegistered> RegisterAsync(string model, string run)
    {
        await registry.Observer.PublishAsync(registry.Pipeline.Trained(model, run));
        return await registry.Observer.WaitForAsync<ModelVersionRegistered>(e => e.ModelName == model && e.TrainingRunId == run);
    }

    private Task PublishAsync(object message) => message switch
    {
        ModelDeployed e => registry.Observer.PublishAsync(e),
        ModelUndeployed e => registry.Observer.PublishAsync(e),
        DeploymentFailed e => registry.Observer.PublishAsync(e),
        _ => throw new ArgumentException(message.GetType().Name),
    };

    private static readonly JsonSerializerOptions Wire = new(JsonSerializerDefaults.Web);

    /// <summary>
    /// Publishes <paramref name="body"/> as a plain AMQP client of a serving platform does (docs/messages.md): connected
    /// as the serving user, with that user as the message's user_id, persistent and confirmed.
    /// </summary>
    private async Task PublishPlainAsync(string exchange, byte[] body, Guid messageId)
    {
        await using var connection = await Preflight.ConnectionFactory(registry.As(BrokerUsers.Serving)).CreateConnectionAsync("serving-plain");
        await using var channel = await connection.CreateChannelAsync(new CreateChannelOptions(publisherConfirmationsEnabled: true,
            publisherConfirmationTrackingEnabled: true));
        await channel.BasicPublishAsync(exchange, "", mandatory: false, new BasicProperties
        {
            ContentType = "application/json", DeliveryMode = DeliveryModes.Persistent, MessageId = messageId.ToString(), UserId = BrokerUsers.Serving,
        }, body);
    }

    private static string Exchange(object message) => message switch
    {
        ModelDeployed => "mreg.model-deployed",
        ModelUndeployed => "mreg.model-undeployed",
        DeploymentFailed => "mreg.deployment-failed",
        _ => throw new ArgumentException(message.GetType().Name),
    };

    private async Task<long> StoredEventsAsync(string endpoint)
    {
        await using var c = await registry.DataSource.OpenConnectionAsync();
        return await c.ExecuteScalarAsync<long>("SELECT count(*) FROM registry.deployment_events WHERE endpoint_id = @endpoint", new { endpoint });
    }

    private async Task<List<string>> IntervalsAsync(string endpoint)
    {
        await using var c = await registry.DataSource.OpenConnectionAsync();
        var rows = await c.QueryAsync(IntervalsSql, new { endpoint });
        return rows.Select(r => string.Join(" | ", ((IDictionary<string, object?>)r).Values)).ToList();
    }

    [Fact]
    public async Task Events_published_shuffled_and_duplicated_give_the_history_they_give_published_in_order_once()
    {
        var v1 = await RegisterAsync("e2e-served", "run-1");
        var v2 = await RegisterAsync("e2e-served", "run-2");
        var inOrder = Events("e2e-in-order", "e2e-served", v1.ManifestDigest, v2.ManifestDigest, inventory: false);
        var shuffled = Events("e2e-shuffled", "e2e-served", v1.ManifestDigest, v2.ManifestDigest, inventory: false);

        // In order once: each event waits until the host has stored the one before it.
        for (var i = 0; i < inOrder.Count; i++)
        {
            await PublishAsync(inOrder[i]);
            await Eventually.UntilAsync(() => StoredEventsAsync("e2e-in-order"), n => n == i + 1, TimeSpan.FromSeconds(30), $"event {i + 1} stored");
        }
        // Shuffled, as plain JSON: a repeat is the publisher's retry (same message id) or a second publisher (a new one).
        var random = new Random(42);
        var arrivals = Arrival(shuffled, random);
        Assert.Contains(arrivals, a => a.Repeat);
        var firstIds = shuffled.ToDictionary(e => e, _ => Guid.NewGuid());
        var messageIds = arrivals.Select(a => a.Repeat && random.Next(2) == 0 ? Guid.NewGuid() : firstIds[a.Event]).ToList();
        for (var i = 0; i < arrivals.Count; i++)
            await PublishPlainAsync(Exchange(arrivals[i].Event), JsonSerializer.SerializeToUtf8Bytes(arrivals[i].Event, arrivals[i].Event.GetType(), Wire),
                messageIds[i]);

        var distinctIds = messageIds.Distinct().ToArray();
        await using (var c = await registry.DataSource.OpenConnectionAsync())
            await Eventually.UntilAsync(() => c.ExecuteScalarAsync<long>("SELECT count(*) FROM registry.inbox WHERE message_id = ANY(@ids)", new { ids = distinctIds }),
                n => n == distinctIds.Length, TimeSpan.FromSeconds(60), "every delivery processed");
        Assert.Equal(shuffled.Count, await StoredEventsAsync("e2e-shuffled"));

        var expected = await IntervalsAsync("e2e-in-order");
        Assert.Equal(5, expected.Count);
        Assert.Equal(expected, await IntervalsAsync("e2e-shuffled"));
        Assert.StartsWith($"production | d1 | {v1.ModelVersionId} | e2e-served | 1 | {v1.ManifestDigest} | 100 | 2026-02-01 09:00:00+00 | 2026-02-01 09:05:00+00",
            expected[0]);
        // One DeploymentRecorded per distinct event, however often it was delivered.
        await registry.Observer.WaitForAsync<DeploymentRecorded>(e => e.EndpointId == "e2e-shuffled" && e.DeploymentId == "d2" && e.Kind == "undeployed");
        Assert.Equal(shuffled.Count, registry.Observer.All<DeploymentRecorded>().Count(e => e.EndpointId == "e2e-shuffled"));
    }

    [Fact]
    public async Task A_deployment_without_an_endpoint_or_with_a_malformed_digest_is_refused_with_its_reason_and_kept()
    {
        // As a plain AMQP client would send it: no endpointId at all.
        await PublishPlainAsync("mreg.model-deployed", JsonSerializer.SerializeToUtf8Bytes(new
        {
            deploymentId = "no-endpoint-1", environment = "production", manifestDigest = UnknownDigest('a'), trafficPercent = 100,
            deployedAt = "2026-02-01T09:00:00Z",
        }, Wire), Guid.NewGuid());
        await registry.Observer.PublishAsync(Deployed("bad-digest-ep", "bad-digest-1", 0, 100, digest: "sha256:NOT-HEX"));

        var noEndpoint = await registry.Observer.WaitForAsync<DeploymentEventRejected>(e => e.DeploymentId == "no-endpoint-1");
        Assert.Equal((RejectionReasons.MissingField, "endpointId: required"), (noEndpoint.ReasonCode, noEndpoint.Message));
        var badDigest = await registry.Observer.WaitForAsync<DeploymentEventRejected>(e => e.DeploymentId == "bad-digest-1");
        Assert.Equal(("ModelDeployed", "bad-digest-ep", RejectionReasons.InvalidValue), (badDigest.MessageType, badDigest.EndpointId, badDigest.ReasonCode));
        Assert.StartsWith("manifestDigest: ", badDigest.Message);
        Assert.Contains("must be 'sha256:' and 64 lowercase hex digits", badDigest.Message);

        await using var c = await registry.DataSource.OpenConnectionAsync();
        var kept = (await c.QueryAsync<(string Subject, string Code, string Payload)>(
            "SELECT subject, reason_code, payload::text FROM registry.rejections WHERE kind = 'deployment' ORDER BY rejection_id")).ToList();
        Assert.Contains(kept, k => k.Subject == "ModelDeployed (no endpoint)" && k.Code == RejectionReasons.MissingField && k.Payload.Contains("no-endpoint-1"));
        Assert.Contains(kept, k => k.Subject == "ModelDeployed bad-digest-ep" && k.Code == RejectionReasons.InvalidValue && k.Payload.Contains("sha256:NOT-HEX"));
        Assert.Equal(0, await StoredEventsAsync("bad-digest-ep"));
    }
}
