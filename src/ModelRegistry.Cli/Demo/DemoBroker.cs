using System.Text.Json;
using ModelRegistry.Platform;
using RabbitMQ.Client;
using RabbitMQ.Client.Exceptions;

namespace ModelRegistry.Cli.Demo;

/// <summary>
/// One actor's connection to the broker, as its own broker user (<see cref="DemoUsersOptions"/>), as an outside system's
/// process has its own. Commands and events go out as plain JSON (camelCase, <c>application/json</c>, persistent, a new
/// message id, user_id = the connection's user) to the message's exchange, with publisher confirms, exactly as
/// docs/messages.md tells a Python pipeline to publish; the actor reads the registry's answers from a durable queue of its
/// own, named after its user (<see cref="OpenInboxAsync"/>).
/// </summary>
internal sealed class DemoBroker : IAsyncDisposable
{
    /// <summary>The wire format of docs/messages.md: camelCase out, any case in.</summary>
    public static readonly JsonSerializerOptions Wire = new(JsonSerializerDefaults.Web);

    private static readonly TimeSpan ConfirmTimeout = TimeSpan.FromSeconds(30);

    private readonly IConnection connection;
    private readonly IChannel publishing;
    private readonly SemaphoreSlim publish = new(1, 1);

    private DemoBroker(IConnection connection, IChannel publishing, string actor, string user)
    {
        this.connection = connection;
        this.publishing = publishing;
        Actor = actor;
        User = user;
    }

    /// <summary>The actor's name in the demo's log (pipeline, evaluator, ...).</summary>
    public string Actor { get; }

    /// <summary>The broker user: the user_id of what the actor publishes, and the first part of its queues' names.</summary>
    public string User { get; }

    public static async Task<DemoBroker> ConnectAsync(RabbitMqOptions rabbit, string actor, CancellationToken ct)
    {
        var factory = Preflight.ConnectionFactory(rabbit);
        factory.ClientProvidedName = $"mreg-demo-{actor}";
        IConnection connection;
        try
        {
            connection = await factory.CreateConnectionAsync(ct);
        }
        catch (Exception e) when (LoginRefused(e))
        {
            throw new DemoFailure(actor, $"the broker at {rabbit.Host}:{rabbit.Port} refused the login of user '{rabbit.Username}' " +
                "(wrong user or password: Demo__<Actor>User and Demo__<Actor>Password, see mreg demo --help)");
        }
        try
        {
            var channel = await connection.CreateChannelAsync(
                new CreateChannelOptions(publisherConfirmationsEnabled: true, publisherConfirmationTrackingEnabled: true), ct);
            return new DemoBroker(connection, channel, actor, rabbit.Username);
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
    }

    private static bool LoginRefused(Exception? e)
    {
        for (; e is not null; e = e.InnerException)
            if (e is AuthenticationFailureException) return true;
        return false;
    }

    /// <summary>
    /// Publishes <paramref name="message"/> as plain JSON to its exchange and returns once the broker confirmed it. A message
    /// no queue would take (the registry never ran on this vhost) is a <see cref="DemoFailure"/> of <paramref name="actor"/>.
    /// </summary>
    public async Task PublishAsync<T>(string actor, T message, CancellationToken ct) where T : class
    {
        var exchange = ExchangeTypedJsonDeserializer.ExchangeOf<T>();
        var properties = new BasicProperties
        {
            ContentType = "application/json",
            DeliveryMode = DeliveryModes.Persistent,
            MessageId = Guid.NewGuid().ToString("D"),
            UserId = User,
        };
        var body = JsonSerializer.SerializeToUtf8Bytes(message, Wire);
        using var confirm = CancellationTokenSource.CreateLinkedTokenSource(ct);
        confirm.CancelAfter(ConfirmTimeout);
        await publish.WaitAsync(ct);
        try
        {
            await publishing.BasicPublishAsync(exchange, "", mandatory: true, properties, body, confirm.Token);
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            throw new DemoFailure(actor, $"the broker did not confirm the {typeof(T).Name} within {ConfirmTimeout.TotalSeconds:0} s");
        }
        catch (PublishException e) when (e.IsReturn)
        {
            throw new DemoFailure(actor, $"no queue is bound to exchange '{exchange}': start the registry (./run.sh) on this vhost first");
        }
        catch (Exception e) when (e is OperationInterruptedException or AlreadyClosedException && publishing.CloseReason?.ReplyCode == 404)
        {
            throw new DemoFailure(actor, $"exchange '{exchange}' does not exist: start the registry (./run.sh) on this vhost first");
        }
        finally
        {
            publish.Release();
        }
    }

    /// <summary>
    /// A durable queue of the actor's own, <c>&lt;user&gt;.&lt;purpose&gt;</c> (a client may declare only queues named after
    /// itself), bound to the exchanges of <paramref name="events"/>, being read.
    /// </summary>
    public Task<DemoInbox> OpenInboxAsync(string purpose, IReadOnlyList<Type> events, CancellationToken ct) =>
        DemoInbox.OpenAsync(connection, Actor, $"{User}.{purpose}", events, ct);

    /// <summary>A channel of the shared connection, for an actor that reads a queue its own way (the ticketing actor).</summary>
    public Task<IChannel> CreateChannelAsync(CancellationToken ct) => connection.CreateChannelAsync(cancellationToken: ct);

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (publishing.IsOpen) await publishing.CloseAsync();
        }
        catch (Exception e) when (CliBroker.IsBrokerFailure(e))
        {
        }
        await publishing.DisposeAsync();
        await connection.DisposeAsync();
        publish.Dispose();
    }
}
