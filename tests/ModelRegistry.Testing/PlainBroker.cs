using System.Text.Json;
using ModelRegistry.Platform;
using ModelRegistry.Contracts;
using RabbitMQ.Client;

namespace ModelRegistry.Testing;

/// <summary>
/// A client as docs/messages.md tells one to be written, with RabbitMQ.Client only and a fresh
/// connection per call, so it works across broker restarts: publishes plain JSON with confirms, and
/// keeps a durable queue of the registry's <see cref="ModelVersionRegistered"/> events that
/// collects them while nobody reads it (and across broker restarts). What it publishes carries, as its AMQP
/// <c>user_id</c>, the user of the actor that sends it in production (<see cref="Actors"/>: ModelTrained as the pipeline),
/// which needs a connection that may impersonate (the workers' or the admin user), or else its own user.
/// </summary>
public sealed class PlainBroker(RabbitMqOptions rabbit)
{
    /// <summary>The user_id of a message published to <paramref name="exchange"/>: its production actor's, else the connection's user.</summary>
    public string UserIdFor(string exchange) =>
        ExchangeTypedJsonDeserializer.ContractOf(exchange) is { } contract && Actors.For(contract) is { } actor ? actor : rabbit.Username;

    public const string TrainedExchange = "mreg.model-trained";
    public const string RegisteredExchange = "mreg.model-version-registered";
    private const string RegisteredQueue = "faults-registered-events";
    private static readonly JsonSerializerOptions Wire = new(JsonSerializerDefaults.Web);

    /// <summary>Declares the queue that keeps every <see cref="ModelVersionRegistered"/> from now on.</summary>
    public async Task KeepRegisteredEventsAsync()
    {
        await using var connection = await Preflight.ConnectionFactory(rabbit).CreateConnectionAsync("faults-observer");
        await using var channel = await connection.CreateChannelAsync();
        await channel.ExchangeDeclareAsync(RegisteredExchange, ExchangeType.Fanout, durable: true, autoDelete: false);
        await channel.QueueDeclareAsync(RegisteredQueue, durable: true, exclusive: false, autoDelete: false);
        await channel.QueueBindAsync(RegisteredQueue, RegisteredExchange, "");
    }

    /// <summary>Publishes each event persistent, with a message id, and waits for the broker's confirms.</summary>
    public async Task PublishAsync(IEnumerable<ModelTrained> events)
    {
        await using var connection = await Preflight.ConnectionFactory(rabbit).CreateConnectionAsync("faults-pipeline");
        await using var channel = await connection.CreateChannelAsync(new CreateChannelOptions(publisherConfirmationsEnabled: true,
            publisherConfirmationTrackingEnabled: true));
        await channel.ExchangeDeclareAsync(TrainedExchange, ExchangeType.Fanout, durable: true, autoDelete: false);
        foreach (var batch in events.Chunk(100))
            await Task.WhenAll(batch.Select(e => channel.BasicPublishAsync(TrainedExchange, "", mandatory: false,
                new BasicProperties
                {
                    ContentType = "application/json", DeliveryMode = DeliveryModes.Persistent, MessageId = Guid.NewGuid().ToString(),
                    UserId = UserIdFor(TrainedExchange),
                },
                JsonSerializer.SerializeToUtf8Bytes(e, Wire)).AsTask()));
    }

    /// <summary>Publishes one message as plain JSON to its exchange (e.g. mreg.request-promotion), persistent and confirmed.</summary>
    public Task PublishJsonAsync(string exchange, object message) =>
        PublishBytesAsync(exchange, JsonSerializer.SerializeToUtf8Bytes(message, message.GetType(), Wire), Guid.NewGuid());

    /// <summary>Publishes <paramref name="body"/> as it is to <paramref name="exchange"/>, persistent and confirmed (no content type when null).</summary>
    public async Task PublishBytesAsync(string exchange, ReadOnlyMemory<byte> body, Guid messageId, string? contentType = "application/json")
    {
        await using var connection = await Preflight.ConnectionFactory(rabbit).CreateConnectionAsync("faults-client");
        await using var channel = await connection.CreateChannelAsync(new CreateChannelOptions(publisherConfirmationsEnabled: true,
            publisherConfirmationTrackingEnabled: true));
        await channel.ExchangeDeclareAsync(exchange, ExchangeType.Fanout, durable: true, autoDelete: false);
        await channel.BasicPublishAsync(exchange, "", mandatory: false,
            new BasicProperties { ContentType = contentType, DeliveryMode = DeliveryModes.Persistent, MessageId = messageId.ToString(), UserId = UserIdFor(exchange) },
            body);
    }

    /// <summary>Takes every event kept so far off the queue (MassTransit's envelope: the message is under "message").</summary>
    public async Task<IReadOnlyList<ModelVersionRegistered>> DrainRegisteredEventsAsync()
    {
        var events = new List<ModelVersionRegistered>();
        await using var connection = await Preflight.ConnectionFactory(rabbit).CreateConnectionAsync("faults-observer");
        await using var channel = await connection.CreateChannelAsync();
        while (await channel.BasicGetAsync(RegisteredQueue, autoAck: true) is { } delivery)
        {
            using var document = JsonDocument.Parse(delivery.Body);
            events.Add(document.RootElement.GetProperty("message").Deserialize<ModelVersionRegistered>(Wire)!);
        }
        return events;
    }

    /// <summary>Messages waiting in each queue that exists (error queues among them).</summary>
    public Task<IReadOnlyList<QueueState>> QueuesAsync(IEnumerable<string> queues) => QueueInspector.InspectAsync(rabbit, queues);
}
