using System.Reflection;
using MassTransit;
using ModelRegistry.Contracts;
using ModelRegistry.Platform;
using ModelRegistry.Promotion.Approvals;
using ModelRegistry.Testing;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;
using RabbitMQ.Client.Exceptions;

namespace ModelRegistry.Host.Tests;

/// <summary>
/// The development broker users of compose/broker-users.json, as granted on a private vhost, against the registry's
/// topology (its workers' queues, their error and skipped queues, the exchanges of every message, the ticketing queue),
/// declared as the workers' user the way the host declares it. Each client user is refused (ACCESS_REFUSED) every
/// operation outside its role, may do the ones of its role (so a refusal is not vacuous), and may not forge user_id.
/// What each actor publishes is <see cref="Actors"/>; what each reads is stated here (docs/security.md).
/// </summary>
public class BrokerPermissions_Specs(BrokerPermissions_Specs.Topology env) : IClassFixture<BrokerPermissions_Specs.Topology>
{
    private const ushort AccessRefused = 403;
    private const ushort PreconditionFailed = 406;

    private static readonly string[] Clients =
        [BrokerUsers.Pipeline, BrokerUsers.Evaluator, BrokerUsers.Ticketing, BrokerUsers.Serving, BrokerUsers.Operator];

    /// <summary>The registry's events each client reads (bound to a queue of its own); every other exchange is closed to it.</summary>
    private static readonly Dictionary<string, string[]> Reads = new()
    {
        [BrokerUsers.Pipeline] = ["model-version-registered", "model-registration-rejected"],
        [BrokerUsers.Evaluator] = ["evaluation-recorded", "evaluation-rejected", "model-version-registered"],
        [BrokerUsers.Ticketing] = ["approval-requested", "approval-refused", "promotion-cancelled", "promotion-rejected", "model-version-promoted"],
        [BrokerUsers.Serving] =
        [
            "deploy-model-version", "deployment-recorded", "deployment-event-rejected", "deployment-admitted", "deployment-denied",
            "model-version-promoted", "model-version-rolled-back",
        ],
        [BrokerUsers.Operator] =
        [
            "model-version-registered", "model-registration-rejected", "model-governance-changed", "model-governance-rejected",
            "evaluation-recorded", "evaluation-rejected", "approval-refused", "promotion-cancelled", "promotion-rejected",
            "model-version-promoted", "model-version-rolled-back", "rollback-rejected", "deployment-recorded",
            "deployment-event-rejected", "policy-violation-detected", "unregistered-model-detected", "shadow-model-triaged",
            "discovery-audit-completed", "probe-completed", "retention-sweep-planned", "model-version-archived", "archived-artifact-deleted",
            "retention-action-skipped", "storage-report-generated", "legal-hold-changed", "audit-recorded",
        ],
    };

    /// <summary>Every message's exchange (its [EntityName]) with the message type.</summary>
    private static readonly IReadOnlyDictionary<string, Type> MessageExchanges = typeof(ModelTrained).Assembly.GetTypes()
        .Select(t => (Type: t, Name: t.GetCustomAttribute<EntityNameAttribute>()?.EntityName))
        .Where(t => t.Name is not null)
        .ToDictionary(t => t.Name!, t => t.Type);

    /// <summary>The workers' queues with their error and skipped queues, and the ticketing integration's approval requests.</summary>
    public static readonly IReadOnlyList<string> WorkerQueues = ModuleCatalog.All.SelectMany(m => m.Queues)
        .SelectMany(q => new[] { q, q + "_error", q + "_skipped" }).ToList();

    private static readonly string TicketingQueue = TicketingQueues.QueueOf(TestPolicies.Integration);

    private static IEnumerable<string> OwnExchanges(string user) =>
        MessageExchanges.Where(e => Actors.For(e.Value) == user).Select(e => e.Key);

    private static IEnumerable<string> ReadExchanges(string user) =>
        Reads[user].Select(e => "mreg." + e).Where(MessageExchanges.ContainsKey);

    public static TheoryData<string, string> Forbidden()
    {
        var rows = new TheoryData<string, string>();
        foreach (var user in Clients)
            foreach (var operation in ForbiddenOperations.Keys)
                rows.Add(user, operation);
        return rows;
    }

    public static TheoryData<string, string> Allowed()
    {
        var rows = new TheoryData<string, string>();
        foreach (var user in Clients)
            foreach (var operation in AllowedOperations.Keys)
                rows.Add(user, operation);
        rows.Add(BrokerUsers.Ticketing, "read the approval requests of its integration's queue");
        return rows;
    }

    /// <summary>Each forbidden operation: its targets for a user, and what it does to one on a channel of that user.</summary>
    private static readonly Dictionary<string, (Func<string, IEnumerable<string>> Targets, Func<IChannel, string, string, Task> Run)> ForbiddenOperations = new()
    {
        ["publish to another actor's or the registry's exchange"] = (
            user => MessageExchanges.Keys.Except(OwnExchanges(user)),
            (channel, _, exchange) => PublishAsync(channel, exchange, "")),
        ["publish to a worker queue through the default exchange"] = (
            _ => WorkerQueues.Append(TicketingQueue),
            (channel, _, queue) => PublishAsync(channel, "", queue)),
        ["publish to a worker queue's own exchange"] = (
            _ => WorkerQueues,
            (channel, _, exchange) => PublishAsync(channel, exchange, "")),
        ["bind a queue of its own to an exchange outside its role"] = (
            user => MessageExchanges.Keys.Except(ReadExchanges(user)).Concat(WorkerQueues),
            async (channel, user, exchange) =>
            {
                var own = await OwnQueueAsync(channel, user);
                await channel.QueueBindAsync(own, exchange, "");
            }),
        ["get from a worker queue"] = (
            user => WorkerQueues.Concat(user == BrokerUsers.Ticketing ? [] : [TicketingQueue]),
            (channel, _, queue) => channel.BasicGetAsync(queue, autoAck: false)),
        ["consume a worker queue"] = (
            user => WorkerQueues.Concat(user == BrokerUsers.Ticketing ? [] : [TicketingQueue]),
            (channel, _, queue) => channel.BasicConsumeAsync(queue, autoAck: false, new AsyncEventingBasicConsumer(channel))),
        ["purge a worker queue"] = (
            user => WorkerQueues.Concat(user == BrokerUsers.Ticketing ? [] : [TicketingQueue]),
            (channel, _, queue) => channel.QueuePurgeAsync(queue)),
        ["bind a worker queue to an exchange"] = (
            _ => WorkerQueues.Append(TicketingQueue),
            async (channel, user, queue) =>
            {
                var own = $"{user}.source-{Guid.NewGuid():N}";
                await channel.ExchangeDeclareAsync(own, ExchangeType.Fanout, durable: false, autoDelete: true);
                await channel.QueueBindAsync(queue, own, "");
            }),
        ["declare a worker queue"] = (
            _ => WorkerQueues.Append(TicketingQueue),
            (channel, _, queue) => channel.QueueDeclareAsync(queue, durable: true, exclusive: false, autoDelete: false)),
        ["delete a worker queue"] = (
            _ => WorkerQueues.Append(TicketingQueue),
            (channel, _, queue) => channel.QueueDeleteAsync(queue, ifUnused: false, ifEmpty: false)),
        ["delete an exchange of another actor, the registry or a worker queue"] = (
            user => MessageExchanges.Keys.Except(OwnExchanges(user)).Concat(WorkerQueues),
            (channel, _, exchange) => channel.ExchangeDeleteAsync(exchange, ifUnused: false)),
        ["declare a server-named queue (only queues of its own name are its own)"] = (
            _ => ["amq.gen"],
            (channel, _, _) => channel.QueueDeclareAsync("", durable: false, exclusive: true, autoDelete: true)),
    };

    private static readonly Dictionary<string, Func<IConnection, string, Task>> AllowedOperations = new()
    {
        ["publish its own messages"] = async (connection, user) =>
        {
            var own = OwnExchanges(user).ToList();
            Assert.NotEmpty(own);
            foreach (var exchange in own)
                await AllowedAsync(connection, $"publish to {exchange}", c => PublishAsync(c, exchange, ""));
        },
        ["read the events of its role"] = async (connection, user) =>
        {
            foreach (var exchange in ReadExchanges(user))
                await AllowedAsync(connection, $"bind to {exchange}", async c => await c.QueueBindAsync(await OwnQueueAsync(c, user), exchange, ""));
        },
        ["declare, bind, consume, purge and delete a queue of its own"] = async (connection, user) =>
        {
            foreach (var queue in new[] { $"{user}.outcomes-{Guid.NewGuid():N}", $"buildhost_pipeline_bus_{Guid.NewGuid():N}" })
                await AllowedAsync(connection, $"own queue {queue}", async c =>
                {
                    await c.QueueDeclareAsync(queue, durable: false, exclusive: false, autoDelete: false);
                    await c.ExchangeDeclareAsync(queue, ExchangeType.Fanout, durable: false, autoDelete: false);
                    await c.QueueBindAsync(queue, queue, "");
                    await PublishAsync(c, queue, "");
                    Assert.NotNull(await c.BasicGetAsync(queue, autoAck: true));
                    await c.BasicConsumeAsync(queue, autoAck: true, new AsyncEventingBasicConsumer(c));
                    await c.QueuePurgeAsync(queue);
                    await c.ExchangeDeleteAsync(queue, ifUnused: false);
                    await c.QueueDeleteAsync(queue, ifUnused: false, ifEmpty: false);
                });
        },
    };

    [Theory]
    [MemberData(nameof(Forbidden))]
    public async Task A_client_user_is_refused_every_operation_outside_its_role(string user, string operation)
    {
        var (targets, run) = ForbiddenOperations[operation];
        var all = targets(user).Distinct().ToList();
        Assert.NotEmpty(all);
        await using var connection = await ConnectAsync(user);
        var allowed = new List<string>();
        foreach (var target in all)
        {
            var refusal = await RefusalAsync(connection, c => run(c, user, target));
            if (refusal?.ReplyCode != AccessRefused) allowed.Add($"{target}: {(refusal is null ? "done" : refusal.ToString())}");
        }
        Assert.True(allowed.Count == 0, $"{user} may {operation}, not refused ACCESS_REFUSED for:\n" + string.Join("\n", allowed));
    }

    [Theory]
    [MemberData(nameof(Allowed))]
    public async Task A_client_user_may_do_what_its_role_needs(string user, string operation)
    {
        await using var connection = await ConnectAsync(user);
        if (AllowedOperations.TryGetValue(operation, out var run))
        {
            await run(connection, user);
            return;
        }
        await env.PublishAsWorkersAsync("mreg." + "approval-requested");
        await AllowedAsync(connection, $"get from {TicketingQueue}", async c => Assert.NotNull(await c.BasicGetAsync(TicketingQueue, autoAck: true)));
    }

    [Theory]
    [MemberData(nameof(ClientUsers))]
    public async Task A_message_with_a_forged_user_id_is_refused_by_the_broker(string user)
    {
        var exchange = OwnExchanges(user).First();
        await using var connection = await ConnectAsync(user);
        foreach (var other in BrokerUsers.Users(env.RabbitMq.Username).Keys.Where(u => u != user))
        {
            var refusal = await RefusalAsync(connection, c => PublishAsync(c, exchange, "", userId: other));
            Assert.True(refusal?.ReplyCode == PreconditionFailed, $"{user} publishing as {other}: {refusal?.ToString() ?? "accepted"}");
        }
        // Its own name is what every bus stamps: accepted.
        Assert.Null(await RefusalAsync(connection, c => PublishAsync(c, exchange, "", userId: user)));
    }

    public static TheoryData<string> ClientUsers() => new(Clients);

    [Fact]
    public void Every_client_user_of_the_file_is_covered()
    {
        var clients = BrokerUsers.Users().Where(u => u.Value != "workers").Select(u => u.Key).Order();
        Assert.Equal(Clients.Order(), clients);
    }

    private Task<IConnection> ConnectAsync(string user) => Preflight.ConnectionFactory(env.As(user)).CreateConnectionAsync($"permissions-{user}");

    /// <summary>Runs <paramref name="operation"/> on a fresh confirmed channel: null if it was done, else why the broker closed the channel.</summary>
    private static async Task<ShutdownEventArgs?> RefusalAsync(IConnection connection, Func<IChannel, Task> operation)
    {
        var channel = await connection.CreateChannelAsync(new CreateChannelOptions(publisherConfirmationsEnabled: true, publisherConfirmationTrackingEnabled: true));
        try
        {
            await operation(channel);
        }
        catch (Exception e) when (e is OperationInterruptedException or AlreadyClosedException or RabbitMQ.Client.Exceptions.PublishException)
        {
        }
        finally
        {
            await channel.DisposeAsync();
        }
        return channel.CloseReason is { ReplyCode: not 200 } reason ? reason : null;
    }

    private static async Task AllowedAsync(IConnection connection, string what, Func<IChannel, Task> operation)
    {
        var refusal = await RefusalAsync(connection, operation);
        Assert.True(refusal is null, $"{what}: {refusal}");
    }

    /// <summary>Publishes an empty JSON body and waits for the broker's confirm (a refusal closes the channel instead).</summary>
    private static async Task PublishAsync(IChannel channel, string exchange, string routingKey, string? userId = null) =>
        await channel.BasicPublishAsync(exchange, routingKey, mandatory: false,
            new BasicProperties { ContentType = "application/json", UserId = userId }, "{}"u8.ToArray());

    private static async Task<string> OwnQueueAsync(IChannel channel, string user) =>
        (await channel.QueueDeclareAsync($"{user}.probe-{Guid.NewGuid():N}", durable: false, exclusive: true, autoDelete: true)).QueueName;

    /// <summary>An isolated vhost with the registry's topology, declared by its workers' user as a running host declares it.</summary>
    public sealed class Topology : IsolatedEnvironment
    {
        public override async Task InitializeAsync()
        {
            await base.InitializeAsync();
            await using var connection = await Preflight.ConnectionFactory(RabbitMq).CreateConnectionAsync("permissions-topology");
            await using var channel = await connection.CreateChannelAsync();
            foreach (var exchange in MessageExchanges.Keys)
                await channel.ExchangeDeclareAsync(exchange, ExchangeType.Fanout, durable: true, autoDelete: false);
            foreach (var queue in WorkerQueues)
            {
                await channel.QueueDeclareAsync(queue, durable: true, exclusive: false, autoDelete: false);
                await channel.ExchangeDeclareAsync(queue, ExchangeType.Fanout, durable: true, autoDelete: false);
                await channel.QueueBindAsync(queue, queue, "");
            }
            await channel.QueueDeclareAsync(TicketingQueue, durable: true, exclusive: false, autoDelete: false);
            await channel.QueueBindAsync(TicketingQueue, "mreg.approval-requested", "");
        }

        /// <summary>Publishes an empty message to <paramref name="exchange"/> as the workers.</summary>
        public async Task PublishAsWorkersAsync(string exchange)
        {
            await using var connection = await Preflight.ConnectionFactory(RabbitMq).CreateConnectionAsync("permissions-workers");
            await using var channel = await connection.CreateChannelAsync(new CreateChannelOptions(publisherConfirmationsEnabled: true,
                publisherConfirmationTrackingEnabled: true));
            await PublishAsync(channel, exchange, "");
        }
    }
}
