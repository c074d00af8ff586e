using System.Collections.Concurrent;
using MassTransit;
using ModelRegistry.Platform;
using ModelRegistry.Contracts;
using ModelRegistry.Contracts.Promotion;
using ModelRegistry.Contracts.Deployments;

namespace ModelRegistry.Testing;

/// <summary>
/// Listens to the registry's events on a queue of its own in the test's vhost, as a downstream
/// system would, and lets tests wait for them. Also publishes, as a MassTransit client would, each message with the
/// AMQP user_id of the actor that sends it in production (<see cref="Actors"/>): the observer connects as the
/// development admin, tagged impersonator, so one connection speaks for every actor. The broker's own checks of each
/// actor's user are proven by tests that connect as that user (docs/security.md).
/// </summary>
public sealed class RegistryObserver : IAsyncDisposable
{
    private readonly IBusControl bus;
    private readonly ConcurrentQueue<object> events = new();

    private readonly string workersUser;

    private RegistryObserver(IBusControl bus, string workersUser)
    {
        this.bus = bus;
        this.workersUser = workersUser;
    }

    public IReadOnlyCollection<object> Events => events;

    public IEnumerable<T> All<T>() => events.OfType<T>();

    /// <summary>Starts an observer connected with <paramref name="admin"/> (an impersonator: <see cref="IsolatedEnvironment.AdminRabbitMq"/>).</summary>
    public static async Task<RegistryObserver> StartAsync(RabbitMqOptions admin, string workersUser = BrokerUsers.Workers)
    {
        var rabbit = admin;
        RegistryObserver? observer = null;
        var bus = Bus.Factory.CreateUsingRabbitMq(cfg =>
        {
            cfg.Host(rabbit);
            cfg.ReceiveEndpoint("test-observer-" + Guid.NewGuid().ToString("N")[..8], e =>
            {
                e.AutoDelete = true;
                e.Durable = false;
                e.PrefetchCount = 256;
                e.Handler<ModelVersionRegistered>(c => Record(c.Message));
                e.Handler<ModelRegistrationRejected>(c => Record(c.Message));
                e.Handler<ModelGovernanceChanged>(c => Record(c.Message));
                e.Handler<ModelGovernanceRejected>(c => Record(c.Message));
                e.Handler<EvaluationRecorded>(c => Record(c.Message));
                e.Handler<EvaluationRejected>(c => Record(c.Message));
                e.Handler<AuditRecorded>(c => Record(c.Message));
                e.Handler<ModelVersionPromoted>(c => Record(c.Message));
                e.Handler<PromotionRejected>(c => Record(c.Message));
                e.Handler<PromotionCancelled>(c => Record(c.Message));
                e.Handler<ApprovalRequested>(c => Record(c.Message));
                e.Handler<ApprovalRefused>(c => Record(c.Message));
                e.Handler<ModelVersionRolledBack>(c => Record(c.Message));
                e.Handler<RollbackRejected>(c => Record(c.Message));
                e.Handler<DeployModelVersion>(c => Record(c.Message));
                e.Handler<ModelRegistry.Contracts.Deployments.UnregisteredModelDetected>(c => Record(c.Message));
                e.Handler<ModelRegistry.Contracts.Deployments.ShadowModelTriaged>(c => Record(c.Message));
                e.Handler<PolicyViolationDetected>(c => Record(c.Message));
                e.Handler<DiscoveryAuditCompleted>(c => Record(c.Message));
                e.Handler<ModelRegistry.Contracts.Deployments.DeploymentRecorded>(c => Record(c.Message));
                e.Handler<ModelRegistry.Contracts.Deployments.DeploymentEventRejected>(c => Record(c.Message));
                e.Handler<ModelRegistry.Contracts.Retention.ModelVersionArchived>(c => Record(c.Message));
                e.Handler<ModelRegistry.Contracts.Retention.ArchivedArtifactDeleted>(c => Record(c.Message));
                e.Handler<ModelRegistry.Contracts.Retention.RetentionActionSkipped>(c => Record(c.Message));
                e.Handler<ModelRegistry.Contracts.Retention.LegalHoldChanged>(c => Record(c.Message));
                e.Handler<ModelRegistry.Contracts.Retention.StorageReportGenerated>(c => Record(c.Message));
            });
        });
        observer = new RegistryObserver(bus, workersUser);
        await bus.StartAsync();
        return observer;

        Task Record(object message)
        {
            observer!.events.Enqueue(message);
            return Task.CompletedTask;
        }
    }

    /// <summary>Publishes <paramref name="message"/> as the actor that sends it in production (the registry's own messages as its workers).</summary>
    public Task PublishAsync<T>(T message) where T : class => PublishAsAsync(Actors.For(typeof(T)) ?? workersUser, message);

    /// <summary>Publishes <paramref name="message"/> with <paramref name="principal"/> as its AMQP user_id.</summary>
    public Task PublishAsAsync<T>(string principal, T message) where T : class =>
        bus.Publish(message, context =>
        {
            if (context is RabbitMqSendContext rabbit || context.TryGetPayload(out rabbit!)) rabbit.BasicProperties.UserId = principal;
        });

    /// <summary>Publishes <paramref name="message"/> without a user_id: what a client that sets none sends.</summary>
    public Task PublishAnonymouslyAsync<T>(T message) where T : class =>
        bus.Publish(message, context =>
        {
            if (context is RabbitMqSendContext rabbit || context.TryGetPayload(out rabbit!)) rabbit.BasicProperties.UserId = null;
        });

    public async Task<T> WaitForAsync<T>(Func<T, bool> match, TimeSpan? timeout = null)
    {
        var limit = timeout ?? TimeSpan.FromSeconds(60);
        var deadline = DateTime.UtcNow + limit;
        while (true)
        {
            var found = events.OfType<T>().FirstOrDefault(match);
            if (found is not null) return found;
            if (DateTime.UtcNow > deadline)
                throw new TimeoutException($"no matching {typeof(T).Name} within {limit.TotalSeconds:0} s; saw: {string.Join("; ", events.Take(20))}");
            await Task.Delay(50);
        }
    }

    public async ValueTask DisposeAsync() => await bus.StopAsync();
}
