using System.Text.Json;
using ModelRegistry.Platform;
using ModelRegistry.Contracts;
using ModelRegistry.Testing;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;

namespace ModelRegistry.Benchmarks;

/// <summary>
/// A training pipeline as docs/messages.md tells one to be written, with RabbitMQ.Client only: each <see cref="ModelTrained"/>
/// is published as plain JSON (camelCase) to <c>mreg.model-trained</c>, persistent, with a message id, its own broker user
/// as <c>user_id</c> (the principal the registry checks) and publisher confirms; the answers
/// (<c>mreg.model-version-registered</c>, <c>mreg.model-registration-rejected</c>, MassTransit's envelope) arrive on a
/// private queue named after the user, as the broker's permissions ask of a client. Lighter on the shared CPU than a
/// MassTransit bus, as most pipelines' clients are.
/// </summary>
internal sealed class PlainPipelineClient : IAsyncDisposable
{
    private const string TrainedExchange = "mreg.model-trained";
    private const string RegisteredExchange = "mreg.model-version-registered";
    private const string RejectedExchange = "mreg.model-registration-rejected";
    private static readonly JsonSerializerOptions Wire = new(JsonSerializerDefaults.Web);

    private readonly string userId;
    private readonly IConnection connection;
    private readonly IChannel publishing;
    private readonly IChannel consuming;
    private readonly Action<ModelVersionRegistered> registered;
    private readonly Action<ModelRegistrationRejected> rejected;

    private PlainPipelineClient(string userId, IConnection connection, IChannel publishing, IChannel consuming,
        Action<ModelVersionRegistered> registered, Action<ModelRegistrationRejected> rejected)
    {
        this.userId = userId;
        this.connection = connection;
        this.publishing = publishing;
        this.consuming = consuming;
        this.registered = registered;
        this.rejected = rejected;
    }

    /// <summary>Connects as <paramref name="rabbit"/>'s user (a pipeline's); call <see cref="PlainPipelineExchanges.DeclareAsync"/> first.</summary>
    public static async Task<PlainPipelineClient> StartAsync(RabbitMqOptions rabbit, Action<ModelVersionRegistered> registered,
        Action<ModelRegistrationRejected> rejected)
    {
        var factory = Preflight.ConnectionFactory(rabbit);
        factory.ClientProvidedName = "mreg-bench-pipeline";
        var connection = await factory.CreateConnectionAsync();
        var publishing = await connection.CreateChannelAsync(new CreateChannelOptions(publisherConfirmationsEnabled: true,
            publisherConfirmationTrackingEnabled: true));
        var consuming = await connection.CreateChannelAsync();
        var client = new PlainPipelineClient(rabbit.Username, connection, publishing, consuming, registered, rejected);
        var queue = await consuming.QueueDeclareAsync($"{rabbit.Username}.bench-answers-{Guid.NewGuid():N}", durable: false, exclusive: true, autoDelete: true);
        await consuming.QueueBindAsync(queue.QueueName, RegisteredExchange, "");
        await consuming.QueueBindAsync(queue.QueueName, RejectedExchange, "");
        var consumer = new AsyncEventingBasicConsumer(consuming);
        consumer.ReceivedAsync += client.OnAnswerAsync;
        await consuming.BasicConsumeAsync(queue.QueueName, autoAck: true, consumer);
        return client;
    }

    /// <summary>Publishes one event; completes when the broker confirmed it.</summary>
    public async Task PublishAsync(ModelTrained message)
    {
        var properties = new BasicProperties
        {
            ContentType = "application/json",
            DeliveryMode = DeliveryModes.Persistent,
            MessageId = Guid.NewGuid().ToString(),
            UserId = userId, // the broker refuses any other than the connection's user; the registry refuses none
        };
        await publishing.BasicPublishAsync(TrainedExchange, "", mandatory: false, properties, JsonSerializer.SerializeToUtf8Bytes(message, Wire));
    }

    private Task OnAnswerAsync(object sender, BasicDeliverEventArgs delivery)
    {
        using var document = JsonDocument.Parse(delivery.Body);
        var message = document.RootElement.GetProperty("message");
        if (delivery.Exchange == RegisteredExchange) registered(message.Deserialize<ModelVersionRegistered>(Wire)!);
        else rejected(message.Deserialize<ModelRegistrationRejected>(Wire)!);
        return Task.CompletedTask;
    }

    public async ValueTask DisposeAsync()
    {
        await consuming.CloseAsync();
        await publishing.CloseAsync();
        await connection.CloseAsync();
        connection.Dispose();
    }
}
