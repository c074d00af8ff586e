using System.Collections.Concurrent;
using Dapper;
using MassTransit;
using ModelRegistry.Contracts.Deployments;
using ModelRegistry.Platform;
using ModelRegistry.Testing;

namespace ModelRegistry.Host.Tests.Deployments;

/// <summary>
/// Plays a serving platform on a MassTransit bus of its own, connected as the serving user (<see cref="BrokerUsers.Serving"/>,
/// or another given one): reports deployments and asks the admission check as that principal. What the deployments
/// worker announces is listened to on a second bus, as the test admin: the serving user may not read violations, and
/// the shared RegistryObserver does not know these events.
/// </summary>
public sealed class ServingPlatform : IAsyncDisposable
{
    private readonly IBusControl bus;
    private readonly IBusControl listener;
    private readonly ConcurrentQueue<object> events = new();

    private ServingPlatform(IBusControl bus, IBusControl listener)
    {
        this.bus = bus;
        this.listener = listener;
    }

    public IRequestClient<CheckDeploymentAdmission> Admission => bus.CreateRequestClient<CheckDeploymentAdmission>(RequestTimeout.After(s: 30));

    public IEnumerable<T> All<T>() => events.OfType<T>();

    /// <summary>A platform of <paramref name="env"/> that sends as <paramref name="user"/> (default: the development serving user).</summary>
    public static async Task<ServingPlatform> StartAsync(IsolatedEnvironment env, string user = BrokerUsers.Serving)
    {
        ServingPlatform? platform = null;
        // Its only queue is MassTransit's own temporary one (for the admission answers), which a client may read.
        var bus = Bus.Factory.CreateUsingRabbitMq(cfg => cfg.Host(env.As(user)));
        var listener = Bus.Factory.CreateUsingRabbitMq(cfg =>
        {
            cfg.Host(env.AdminRabbitMq);
            cfg.ReceiveEndpoint("test-serving-" + Guid.NewGuid().ToString("N")[..8], e =>
            {
                e.AutoDelete = true;
                e.Durable = false;
                e.Handler<PolicyViolationDetected>(c => Record(c.Message));
                e.Handler<DeploymentRecorded>(c => Record(c.Message));
            });
        });
        platform = new ServingPlatform(bus, listener);
        await listener.StartAsync();
        await bus.StartAsync();
        return platform;

        Task Record(object message)
        {
            platform!.events.Enqueue(message);
            return Task.CompletedTask;
        }
    }

    public Task PublishAsync<T>(T message) where T : class => bus.Publish(message);

    /// <summary>Publishes a deployment and waits until the registry has recorded it.</summary>
    public async Task DeployAsync(ModelDeployed deployed)
    {
        await bus.Publish(deployed);
        await WaitForAsync<DeploymentRecorded>(r => r.DeploymentId == deployed.DeploymentId && r.EndpointId == deployed.EndpointId
            && r.At == deployed.DeployedAt && r.TrafficPercent == deployed.TrafficPercent);
    }

    public Task<T> WaitForAsync<T>(Func<T, bool> match) =>
        Eventually.UntilAsync(() => Task.FromResult(events.OfType<T>().FirstOrDefault(match)), e => e is not null, TimeSpan.FromSeconds(60),
            $"a matching {typeof(T).Name}")!;

    public static ModelDeployed Deployed(string endpoint, string environment, string model, int version, double traffic, string? deployment = null) => new()
    {
        DeploymentId = deployment ?? $"{endpoint}/{model}-v{version}",
        EndpointId = endpoint,
        Environment = environment,
        ModelName = model,
        Version = version,
        TrafficPercent = traffic,
        DeployedAt = DateTimeOffset.UtcNow,
        DeployedBy = "kserve-controller",
    };

    /// <summary>
    /// Puts a version in a stage directly, as the promotion worker would leave it (for stages the test promotion policy
    /// has no path to, such as canary).
    /// </summary>
    public static async Task SeedStageAsync(IsolatedEnvironment env, Guid versionId, string stage)
    {
        await using var c = await env.DataSource.OpenConnectionAsync();
        await c.ExecuteAsync("""
            INSERT INTO registry.version_stages (version_id, model_id, version, stage, since, cause, cause_id)
            SELECT version_id, model_id, version, @stage, now(), 'promotion', gen_random_uuid() FROM registry.model_versions WHERE version_id = @versionId
            """, new { versionId, stage });
    }

    public async ValueTask DisposeAsync()
    {
        await bus.StopAsync();
        await listener.StopAsync();
    }
}
