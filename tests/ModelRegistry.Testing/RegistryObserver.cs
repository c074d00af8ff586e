using System.Collections.Concurrent;
using MassTransit;
using ModelRegistry.Platform;
using ModelRegistry.Contracts;
using ModelRegistry.Contracts.Promotion;
using ModelRegistry.Contracts.Deployments;

namespace ModelRegistry.Testing;

/// <summary>
/// Listens to the registry's events on a queue of its own in the test's vhost, as a downstream
/// system would, and lets tests wait for them. Also publishes, as a MassTransit client would.
/// </summary>
public sealed class RegistryObserver : IAsyncDisposable
{
    private readonly IBusControl bus;
    private readonly ConcurrentQueue<object> events = new();

    private RegistryObserver(IBusControl bus) => this.bus = bus;

    public IReadOnlyCollection<object> Events => events;

    public IEnumerable<T> All<T>() => events.OfType<T>();

    public static async Task<RegistryObserver> StartAsync(RabbitMqOptions rabbit)
    {
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
            });
        });
        observer = new RegistryObserver(bus);
        await bus.StartAsync();
        return observer;

        Task Record(object message)
        {
            observer!.events.Enqueue(message);
            return Task.CompletedTask;
        }
    }

    public Task PublishAsync<T>(T message) where T : class => bus.Publish(message);

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
