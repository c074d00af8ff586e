using System.Collections.Concurrent;
using System.Text.Json;
using ModelRegistry.Platform;
using ModelRegistry.Contracts.Promotion;
using ModelRegistry.Promotion.Approvals;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;

namespace ModelRegistry.Testing;

/// <summary>One simulated approver's decision on a request, as a <see cref="TicketingClient"/> strategy returns it.</summary>
/// <param name="Approver">The person, as in the registry's approver directory.</param>
/// <param name="Role">The role they sign as.</param>
/// <param name="Decision"><c>approved</c> or <c>rejected</c> (anything else, to provoke invalid_decision).</param>
/// <param name="Comment">The comment.</param>
public sealed record TicketVote(string Approver, string Role, string Decision = ApprovalSignature.Approved, string Comment = "")
{
    /// <summary>The ticket id; null: one per promotion, derived from its id.</summary>
    public string? TicketId { get; init; }

    /// <summary>When the person decided; null: now.</summary>
    public DateTimeOffset? DecidedAt { get; init; }

    public static TicketVote Approve(string approver, string role, string comment = "") => new(approver, role, ApprovalSignature.Approved, comment);

    public static TicketVote Reject(string approver, string role, string comment = "") => new(approver, role, ApprovalSignature.Rejected, comment);
}

/// <summary>
/// Plays a ticketing integration over the real broker with RabbitMQ.Client only (no MassTransit), as docs/ticketing.md
/// tells integrators to, connected as a ticketing broker user (tests: <c>env.As(BrokerUsers.Ticketing)</c>) and publishing
/// with its user_id (the registry counts decisions only from a principal that speaks for their integration): a private
/// queue "&lt;user&gt;.approval-requests-&lt;id&gt;" bound to <c>mreg.approval-requested</c> receives each
/// <see cref="ApprovalRequested"/> (MassTransit envelope or plain JSON); the caller's strategy says who decides what;
/// each decision is signed with the integration's secret and published to <c>mreg.approval-decided</c> as plain JSON
/// (camelCase), persistent, with publisher confirms. A promotion is answered once, however often its request arrives.
/// Forged, unsigned or malformed decisions can be published directly.
/// </summary>
public sealed class TicketingClient : IAsyncDisposable
{
    public const string RequestedExchange = "mreg.approval-requested";
    public const string DecidedExchange = "mreg.approval-decided";

    /// <summary>Web defaults: camelCase out, any case in, as docs/messages.md describes the wire format.</summary>
    public static readonly JsonSerializerOptions Wire = new(JsonSerializerDefaults.Web);

    private readonly IConnection connection;
    private readonly IChannel consuming;
    private readonly IChannel publishing;
    private readonly string user;
    private readonly byte[] secret;
    private readonly Func<ApprovalRequested, IEnumerable<TicketVote>> strategy;
    private readonly Lock gate = new();
    private readonly List<ApprovalRequested> requests = [];
    private readonly List<(Func<ApprovalRequested, bool> Match, TaskCompletionSource<ApprovalRequested> Found)> waiters = [];
    private readonly ConcurrentDictionary<Guid, bool> answered = new();
    private readonly ConcurrentQueue<ApprovalDecided> published = new();
    private readonly ConcurrentQueue<Exception> faults = new();

    private TicketingClient(IConnection connection, IChannel consuming, IChannel publishing, string user, string integration, byte[] secret,
        Func<ApprovalRequested, IEnumerable<TicketVote>> strategy)
    {
        this.connection = connection;
        this.consuming = consuming;
        this.publishing = publishing;
        this.user = user;
        Integration = integration;
        this.secret = secret;
        this.strategy = strategy;
    }

    /// <summary>The integration name this client signs as (the <c>integration</c> field).</summary>
    public string Integration { get; }

    /// <summary>The private queue bound to <see cref="RequestedExchange"/>.</summary>
    public string QueueName { get; private set; } = "";

    /// <summary>Every request received, in order of arrival, redeliveries included.</summary>
    public IReadOnlyList<ApprovalRequested> Requests
    {
        get
        {
            lock (gate) return [.. requests];
        }
    }

    /// <summary>Every decision this client published (answers and direct publishes), in order.</summary>
    public IReadOnlyCollection<ApprovalDecided> Published => published;

    /// <summary>Bodies that could not be read and strategies that threw; such requests are acknowledged and not answered.</summary>
    public IReadOnlyCollection<Exception> Faults => faults;

    /// <summary>
    /// Connects to the broker (<paramref name="rabbit"/>: a ticketing user on a test's private vhost), declares
    /// <c>mreg.approval-decided</c> (durable fanout, as the registry does) and binds its own queue to
    /// <c>mreg.approval-requested</c>, which the registry declares (a ticketing user may not: start the registry, or
    /// declare it as the registry would, first), and starts answering requests with
    /// <paramref name="strategy"/> (null: record requests, answer nothing). Requests are handled up to 16 at a time, so
    /// the strategy may run concurrently with itself.
    /// </summary>
    public static async Task<TicketingClient> StartAsync(RabbitMqOptions rabbit, string integration, string secret,
        Func<ApprovalRequested, IEnumerable<TicketVote>>? strategy = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(rabbit);
        var factory = Preflight.ConnectionFactory(rabbit);
        factory.ClientProvidedName = "mreg-test-ticketing-" + integration;
        // Answers wait for publisher confirms; several in flight keep a benchmark from waiting on one round trip at a time.
        factory.ConsumerDispatchConcurrency = 16;
        var connection = await factory.CreateConnectionAsync(cancellationToken);
        try
        {
            var consuming = await connection.CreateChannelAsync(cancellationToken: cancellationToken);
            var publishing = await connection.CreateChannelAsync(new CreateChannelOptions(publisherConfirmationsEnabled: true,
                publisherConfirmationTrackingEnabled: true), cancellationToken);
            var client = new TicketingClient(connection, consuming, publishing, rabbit.Username, integration, ApprovalSignature.SecretBytes(secret), strategy ?? (_ => []));
            await client.BindAsync(cancellationToken);
            return client;
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
    }

    private async Task BindAsync(CancellationToken cancellationToken)
    {
        // The ticketing user may configure only mreg.approval-decided and its own "<user>." queues (compose/broker-users.json).
        await consuming.ExchangeDeclarePassiveAsync(RequestedExchange, cancellationToken);
        await consuming.ExchangeDeclareAsync(DecidedExchange, ExchangeType.Fanout, durable: true, autoDelete: false, cancellationToken: cancellationToken);
        var queue = await consuming.QueueDeclareAsync($"{user}.approval-requests-{Guid.NewGuid():N}", durable: false, exclusive: true, autoDelete: true,
            cancellationToken: cancellationToken);
        QueueName = queue.QueueName;
        await consuming.QueueBindAsync(QueueName, RequestedExchange, "", cancellationToken: cancellationToken);
        await consuming.BasicQosAsync(0, 256, false, cancellationToken);
        var consumer = new AsyncEventingBasicConsumer(consuming);
        consumer.ReceivedAsync += OnRequestAsync;
        await consuming.BasicConsumeAsync(QueueName, autoAck: false, consumer, cancellationToken);
    }

    private async Task OnRequestAsync(object sender, BasicDeliverEventArgs delivery)
    {
        ApprovalRequested? request = null;
        try
        {
            request = Read(delivery.Body);
            // As docs/ticketing.md tells integrators: answer only what the registry signed for this integration.
            if (!ApprovalRequestSignature.Verify(request, Integration, secret))
                throw new InvalidDataException($"ApprovalRequested {request.PromotionId}: no valid registry signature for integration '{Integration}'");
            if (answered.TryAdd(request.PromotionId, true))
            {
                foreach (var vote in strategy(request).ToList())
                    await DecideAsync(request, vote);
            }
        }
        catch (Exception e)
        {
            faults.Enqueue(e);
        }
        await consuming.BasicAckAsync(delivery.DeliveryTag, multiple: false);
        // Only now: a waiter woken by it may dispose the client at once, and an ack on a closed channel closes the
        // whole connection with a channel error (seen once in CI).
        if (request is not null) Record(request);
    }

    // MassTransit's envelope carries the message under "message"; a plain-JSON publisher sends it as the body.
    private static ApprovalRequested Read(ReadOnlyMemory<byte> body)
    {
        using var document = JsonDocument.Parse(body);
        var root = document.RootElement;
        var message = root.ValueKind == JsonValueKind.Object && root.TryGetProperty("message", out var inner) && inner.ValueKind == JsonValueKind.Object
            ? inner
            : root;
        return message.Deserialize<ApprovalRequested>(Wire) ?? throw new JsonException("the body is JSON null");
    }

    private void Record(ApprovalRequested request)
    {
        List<TaskCompletionSource<ApprovalRequested>> found = [];
        lock (gate)
        {
            requests.Add(request);
            waiters.RemoveAll(w =>
            {
                if (!w.Match(request)) return false;
                found.Add(w.Found);
                return true;
            });
        }
        foreach (var f in found) f.TrySetResult(request);
    }

    /// <summary>Completes with the first request (already received or still to come) that matches; no polling.</summary>
    /// <exception cref="TimeoutException">None matched within <paramref name="timeout"/> (default 60 s).</exception>
    public async Task<ApprovalRequested> WaitForRequestAsync(Func<ApprovalRequested, bool> match, TimeSpan? timeout = null)
    {
        ArgumentNullException.ThrowIfNull(match);
        var limit = timeout ?? TimeSpan.FromSeconds(60);
        var waiter = (Match: match, Found: new TaskCompletionSource<ApprovalRequested>(TaskCreationOptions.RunContinuationsAsynchronously));
        lock (gate)
        {
            var already = requests.FirstOrDefault(match);
            if (already is not null) return already;
            waiters.Add(waiter);
        }
        try
        {
            return await waiter.Found.Task.WaitAsync(limit);
        }
        catch (TimeoutException)
        {
            lock (gate) waiters.Remove(waiter);
            var seen = Requests;
            throw new TimeoutException($"no matching ApprovalRequested within {limit.TotalSeconds:0.#} s; received {seen.Count}: " +
                string.Join("; ", seen.Take(20).Select(r => $"{r.PromotionId} {r.ModelName}/{r.Version} -> {r.TargetStage}")));
        }
    }

    /// <summary>The request for this promotion, when it has arrived or arrives.</summary>
    public Task<ApprovalRequested> WaitForRequestAsync(Guid promotionId, TimeSpan? timeout = null) =>
        WaitForRequestAsync(r => r.PromotionId == promotionId, timeout);

    /// <summary>
    /// The decision on the latest request received for the promotion (waiting up to 60 s for the first to arrive), as this
    /// integration sends it (<see cref="Decision(ApprovalRequested, TicketVote)"/>): a decision signs what its request names.
    /// </summary>
    /// <exception cref="TimeoutException">No request for the promotion arrived.</exception>
    public ApprovalDecided Decision(Guid promotionId, TicketVote vote)
    {
        ApprovalRequested? request;
        lock (gate) request = requests.LastOrDefault(r => r.PromotionId == promotionId);
        // Off the test's synchronization context: the wait completes on the consumer's thread.
        request ??= Task.Run(() => WaitForRequestAsync(promotionId)).GetAwaiter().GetResult();
        return Decision(request, vote);
    }

    /// <summary>
    /// The decision as this integration sends it: it names the model, version, stage, manifest digest and nonce of
    /// <paramref name="request"/>, defaults filled in, signed with its secret (mreg-approval-v2); not published.
    /// </summary>
    public ApprovalDecided Decision(ApprovalRequested request, TicketVote vote)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(vote);
        var promotionId = request.PromotionId;
        // Whole microseconds: the body then shows exactly the instant that is signed.
        var now = DateTimeOffset.UtcNow;
        var decidedAt = vote.DecidedAt ?? new DateTimeOffset(now.UtcTicks - now.UtcTicks % 10, TimeSpan.Zero);
        return ApprovalSignature.Sign(new ApprovalDecided
        {
            PromotionId = promotionId,
            ModelName = request.ModelName,
            Version = request.Version,
            TargetStage = request.TargetStage,
            ManifestDigest = request.Evidence.ManifestDigest,
            Nonce = request.Nonce,
            Integration = Integration,
            TicketId = vote.TicketId ?? $"{Integration.ToUpperInvariant()}-{promotionId.ToString("N")[..8]}",
            Approver = vote.Approver,
            Role = vote.Role,
            Decision = vote.Decision,
            Comment = vote.Comment,
            DecidedAt = decidedAt,
        }, secret);
    }

    /// <summary>Signs and publishes a decision on the latest request received for the promotion; returns what was sent.</summary>
    public async Task<ApprovalDecided> DecideAsync(Guid promotionId, TicketVote vote, CancellationToken cancellationToken = default)
    {
        var decision = Decision(promotionId, vote);
        await PublishAsync(decision, cancellationToken);
        return decision;
    }

    /// <summary>Signs and publishes a decision on <paramref name="request"/>, as the strategy's votes are; returns what was sent.</summary>
    public async Task<ApprovalDecided> DecideAsync(ApprovalRequested request, TicketVote vote, CancellationToken cancellationToken = default)
    {
        var decision = Decision(request, vote);
        await PublishAsync(decision, cancellationToken);
        return decision;
    }

    /// <summary>The decision as given, signed with this integration's secret (mreg-approval-v2): to sign a changed body.</summary>
    public ApprovalDecided Sign(ApprovalDecided decision) => ApprovalSignature.Sign(decision, secret);

    /// <summary>The decision without a nonce, signed in the old form (mreg-approval-v1), as an integration not yet moved to v2 would.</summary>
    public ApprovalDecided SignV1(ApprovalDecided decision) => ApprovalSignature.SignV1(decision, secret);

    /// <summary>Publishes the decision exactly as given (unsigned, forged, signed with another secret...), as plain JSON.</summary>
    public async Task PublishAsync(ApprovalDecided decision, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(decision);
        await PublishRawAsync(JsonSerializer.SerializeToUtf8Bytes(decision, Wire), cancellationToken: cancellationToken);
        published.Enqueue(decision);
    }

    /// <summary>Publishes any body to <see cref="DecidedExchange"/> (malformed JSON, a wrong shape), persistent, confirmed.</summary>
    public async Task PublishRawAsync(ReadOnlyMemory<byte> body, string contentType = "application/json", string? messageId = null,
        CancellationToken cancellationToken = default)
    {
        var properties = new BasicProperties
        {
            ContentType = contentType,
            DeliveryMode = DeliveryModes.Persistent,
            MessageId = messageId ?? Guid.NewGuid().ToString(),
            UserId = user, // the broker checks it is the connection's user; the registry takes it as the sender
        };
        await publishing.BasicPublishAsync(DecidedExchange, "", mandatory: false, properties, body, cancellationToken);
    }

    public async ValueTask DisposeAsync()
    {
        lock (gate)
        {
            foreach (var w in waiters) w.Found.TrySetCanceled();
            waiters.Clear();
        }
        try
        {
            await consuming.CloseAsync();
            await publishing.CloseAsync();
            await connection.CloseAsync();
        }
        finally
        {
            await consuming.DisposeAsync();
            await publishing.DisposeAsync();
            await connection.DisposeAsync();
        }
    }
}
