using MassTransit;
using MassTransit.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using ModelRegistry.Contracts.Deployments;
using ModelRegistry.Deployments;
using ModelRegistry.Deployments.Rules;
using ModelRegistry.Platform.Identity;
using Npgsql;

namespace ModelRegistry.Components.Tests;

/// <summary>
/// The heartbeat consumer in the in-memory harness: batches as the definition configures them from the options, and
/// heartbeats the cache knows unchanged handled without the database (its data source points nowhere).
/// </summary>
public class When_heartbeats_the_cache_knows_arrive : IAsyncLifetime
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 26, 12, 0, 0, TimeSpan.Zero);
    private readonly FakeTimeProvider clock = new(T0.AddSeconds(5));
    private readonly DeploymentsOptions options = new() { HeartbeatBatchSize = 5, HeartbeatBatchTimeLimit = TimeSpan.FromMilliseconds(200) };
    private ServiceProvider provider = null!;
    private ITestHarness harness = null!;

    public async Task InitializeAsync()
    {
        // Nothing listens there: a heartbeat that needed the database would fault.
        var nowhere = NpgsqlDataSource.Create("Host=127.0.0.1;Port=1;Timeout=1");
        provider = new ServiceCollection()
            .AddLogging()
            .AddSingleton(options)
            .AddSingleton<TimeProvider>(clock)
            .AddSingleton(nowhere)
            .AddSingleton<DeploymentStore>()
            .AddSingleton<InventoryStore>()
            .AddSingleton<InventoryCache>()
            .AddSingleton(AccessPolicyFile.BuiltIn)
            .AddSingleton<IMessagePrincipal>(new ServingPrincipal())
            .AddMassTransitTestHarness(x => x.AddConsumer<EndpointInventoryReportedConsumer, EndpointInventoryReportedConsumerDefinition>())
            .BuildServiceProvider(true);
        harness = provider.GetRequiredService<ITestHarness>();
        await harness.Start();
    }

    public async Task DisposeAsync()
    {
        await harness.Stop();
        await provider.DisposeAsync();
    }

    private static EndpointInventoryReported Heartbeat(int endpoint, DateTimeOffset at) => new()
    {
        EndpointId = $"ep-{endpoint}", Environment = "production", ReportedAt = at,
        Models = [new() { ManifestDigest = "sha256:" + new string('a', 64), TrafficPercent = 100 }],
    };

    [Fact]
    public async Task They_come_in_batches_of_at_most_the_batch_size_and_touch_nothing()
    {
        var cache = provider.GetRequiredService<InventoryCache>();
        for (var e = 0; e < 12; e++)
            cache.Remember($"ep-{e}", HeartbeatRules.Signature(DeploymentInput.From(Heartbeat(e, T0))), T0);

        await Task.WhenAll(Enumerable.Range(0, 12).Select(e => harness.Bus.Publish(Heartbeat(e, T0.AddSeconds(10)))));

        var consumer = harness.GetConsumerHarness<EndpointInventoryReportedConsumer>();
        var sizes = new List<int>();
        await foreach (var batch in consumer.Consumed.SelectAsync<Batch<EndpointInventoryReported>>())
        {
            sizes.Add(batch.Context.Message.Length);
            if (sizes.Sum() >= 12) break;
        }
        Assert.Equal(12, sizes.Sum());
        Assert.All(sizes, size => Assert.InRange(size, 1, options.HeartbeatBatchSize));
        Assert.False(await harness.Published.Any<Fault<Batch<EndpointInventoryReported>>>());
        Assert.False(await harness.Published.Any<Fault<EndpointInventoryReported>>());
    }

    /// <summary>The in-memory transport carries no AMQP user_id: every heartbeat comes from the development serving user.</summary>
    private sealed class ServingPrincipal : IMessagePrincipal
    {
        public string? SenderOf(ConsumeContext context) => "mreg-serving";
    }
}
