using System.Text.Json;
using System.Threading.Channels;
using MassTransit;
using ModelRegistry.Platform;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;
using RabbitMQ.Client.Exceptions;

namespace ModelRegistry.Cli;

/// <summary>
/// An event the registry published, as one listener saw it: its exchange, the message as its contract type, and the
/// message's JSON as it came (what <c>--json</c> shows).
/// </summary>
internal sealed record RegistryEvent(string Exchange, object Message, JsonElement Raw);

/// <summary>
/// How the write commands reach the registry: one connection as the settings' broker user (the operator's, or a person's
/// own), one confirmed channel. Messages go out in MassTransit's envelope (docs/messages.md) so that only the intended
/// message type reads them, with user_id = that user, which the broker validates and the registry takes as the principal;
/// <see cref="ListenAsync"/> binds a private queue to event exchanges before anything is published.
/// </summary>
internal sealed class CliBroker : IAsyncDisposable
{
    public const string EnvelopeContentType = "application/vnd.masstransit+json";

    private static readonly JsonSerializerOptions Wire = new(JsonSerializerDefaults.Web);

    private readonly IConnection connection;
    private readonly IChannel channel;
    private readonly Channel<RegistryEvent> events = System.Threading.Channels.Channel.CreateUnbounded<RegistryEvent>();

    private CliBroker(IConnection connection, IChannel channel, string user)
    {
        this.connection = connection;
        this.channel = channel;
        User = user;
    }

    /// <summary>The broker user mreg connects as: the user_id of everything it publishes, the prefix of its queues.</summary>
    public string User { get; }

    public static async Task<CliBroker> ConnectAsync(CliSettings settings, CancellationToken ct)
    {
        var connection = await Preflight.ConnectionFactory(settings.RabbitMq).CreateConnectionAsync("mreg", ct);
        try
        {
            var channel = await connection.CreateChannelAsync(
                new CreateChannelOptions(publisherConfirmationsEnabled: true, publisherConfirmationTrackingEnabled: true), ct);
            return new CliBroker(connection, channel, settings.RabbitMq.Username);
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
    }

    /// <summary>The exchange MassTransit publishes <typeparamref name="T"/> to (its [EntityName]).</summary>
    public static string ExchangeOf<T>() => ExchangeTypedJsonDeserializer.ExchangeOf<T>();

    /// <summary>
    /// Binds an exclusive, auto-deleted queue of the user's own (<c>&lt;user&gt;.outcomes-&lt;guid&gt;</c>: a client may not
    /// declare server-named queues) to the exchanges of <paramref name="eventTypes"/> and starts reading it.
    /// </summary>
    /// <remarks>
    /// A client may not declare the registry's exchanges, and an exchange appears when the registry first publishes that
    /// event (or binds a queue to it): one missing now, or one this user may not read, is left out. The waits ask the
    /// database as well (<see cref="OutcomeWait"/>), so an outcome is not lost with it.
    /// </remarks>
    public async Task ListenAsync(IEnumerable<Type> eventTypes, CancellationToken ct)
    {
        var queue = await channel.QueueDeclareAsync($"{User}.outcomes-{Guid.NewGuid():N}", durable: false, exclusive: true, autoDelete: true,
            cancellationToken: ct);
        // A refused or failed bind closes its channel: bind on a channel of its own, reopened after each refusal.
        var binding = await connection.CreateChannelAsync(cancellationToken: ct);
        try
        {
            foreach (var type in eventTypes)
            {
                try
                {
                    await binding.QueueBindAsync(queue.QueueName, ExchangeTypedJsonDeserializer.ExchangeOf(type), "", cancellationToken: ct);
                }
                catch (OperationInterruptedException e) when (e.ShutdownReason?.ReplyCode is 404 or 403)
                {
                    await binding.DisposeAsync();
                    binding = await connection.CreateChannelAsync(cancellationToken: ct);
                }
            }
        }
        finally
        {
            await binding.DisposeAsync();
        }
        var consumer = new AsyncEventingBasicConsumer(channel);
        consumer.ReceivedAsync += (_, delivery) =>
        {
            if (Read(delivery.Exchange, delivery.Body) is { } e) events.Writer.TryWrite(e);
            return Task.CompletedTask;
        };
        await channel.BasicConsumeAsync(queue.QueueName, autoAck: true, consumer, ct);
    }

    /// <summary>The next event seen, or null when <paramref name="ct"/> ends the wait first.</summary>
    public async Task<RegistryEvent?> NextAsync(CancellationToken ct)
    {
        try
        {
            return await events.Reader.ReadAsync(ct);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            return null;
        }
    }

    private static readonly TimeSpan ConfirmTimeout = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Publishes <paramref name="message"/> persistently to its exchange and returns once the broker confirmed it. Throws
    /// <see cref="CliBrokerRefusal"/> when the exchange does not exist or no queue is bound to it (no worker has ever run).
    /// </summary>
    public async Task PublishAsync<T>(T message, CancellationToken ct) where T : class
    {
        var exchange = ExchangeOf<T>();
        var messageId = NewId.NextGuid().ToString("D");
        var envelope = new Dictionary<string, object?>
        {
            ["messageId"] = messageId,
            ["messageType"] = new[] { MessageUrn.ForTypeString<T>() },
            ["message"] = message,
            ["sentTime"] = DateTime.UtcNow,
            ["host"] = new { machineName = Environment.MachineName, processName = "mreg" },
        };
        var properties = new BasicProperties
        {
            ContentType = EnvelopeContentType,
            DeliveryMode = DeliveryModes.Persistent,
            MessageId = messageId,
            UserId = User,
        };
        // A confirm lost with its channel is never answered (RabbitMQ.Client 7.2): give up after a while, as a broker failure.
        using var confirm = CancellationTokenSource.CreateLinkedTokenSource(ct);
        confirm.CancelAfter(ConfirmTimeout);
        try
        {
            await channel.BasicPublishAsync(exchange, "", mandatory: true, properties, JsonSerializer.SerializeToUtf8Bytes(envelope, Wire), confirm.Token);
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            throw new TimeoutException($"the broker did not confirm the {typeof(T).Name} within {ConfirmTimeout.TotalSeconds:0} s; it may or may not have been sent");
        }
        catch (RabbitMQ.Client.Exceptions.PublishException e) when (e.IsReturn)
        {
            throw new CliBrokerRefusal($"no queue is bound to exchange '{exchange}': start the registry's workers once on this vhost so they bind it; nothing was sent");
        }
        catch (Exception e) when (e is OperationInterruptedException or AlreadyClosedException && channel.CloseReason?.ReplyCode == 404)
        {
            throw new CliBrokerRefusal($"exchange '{exchange}' does not exist: start the registry once on this vhost so it declares it; nothing was sent");
        }
    }

    /// <summary>
    /// The message inside a MassTransit envelope (under "message"), or the body itself when it is plain JSON, read as the
    /// contract of its exchange with the documented wire options; null when it is not one.
    /// </summary>
    internal static RegistryEvent? Read(string exchange, ReadOnlyMemory<byte> body)
    {
        if (ExchangeTypedJsonDeserializer.ContractOf(exchange) is not { } contract) return null;
        try
        {
            using var document = JsonDocument.Parse(body);
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object) return null;
            var raw = (TryGet(root, "message", out var inner) && inner.ValueKind == JsonValueKind.Object ? inner : root).Clone();
            return raw.Deserialize(contract, Wire) is { } message ? new RegistryEvent(exchange, message, raw) : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>A property by name, ignoring case (MassTransit writes camelCase; plain-JSON publishers may not).</summary>
    public static bool TryGet(JsonElement element, string name, out JsonElement value)
    {
        if (element.ValueKind == JsonValueKind.Object)
            foreach (var property in element.EnumerateObject())
                if (string.Equals(property.Name, name, StringComparison.OrdinalIgnoreCase))
                {
                    value = property.Value;
                    return true;
                }
        value = default;
        return false;
    }

    public static string? Text(JsonElement element, string name) =>
        TryGet(element, name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;

    public static bool IsBrokerFailure(Exception e) =>
        e is BrokerUnreachableException or AlreadyClosedException or OperationInterruptedException or System.Net.Sockets.SocketException
            or TimeoutException;

    public async ValueTask DisposeAsync()
    {
        events.Writer.TryComplete();
        try
        {
            if (channel.IsOpen) await channel.CloseAsync();
        }
        catch (Exception e) when (IsBrokerFailure(e))
        {
        }
        await channel.DisposeAsync();
        await connection.DisposeAsync();
    }
}

/// <summary>The broker would not take a message (missing exchange, nothing bound); the message says what to do.</summary>
internal sealed class CliBrokerRefusal(string message) : Exception(message);
