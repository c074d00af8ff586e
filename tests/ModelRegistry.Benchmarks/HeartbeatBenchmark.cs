using System.Diagnostics;
using Dapper;
using MassTransit;
using ModelRegistry.Contracts.Deployments;
using ModelRegistry.Platform;
using ModelRegistry.Testing;

namespace ModelRegistry.Benchmarks;

/// <summary>
/// Heartbeat ingestion end to end (a real host process running the deployments worker, batching on) against raw MassTransit
/// publish->consume on the same broker, in one run.
/// </summary>
internal static class HeartbeatBenchmark
{
    private const string Queue = "deployment-inventory";
    private const string Sentinel = "bench-sentinel";
    private static readonly DateTimeOffset T0 = new(2026, 11, 26, 12, 0, 0, TimeSpan.Zero);

    public static async Task<int> RunAsync(string[] args)
    {
        var endpoints = Args.Int(args, "--endpoints", 2000);
        var heartbeats = Args.Int(args, "--heartbeats", 25);
        var rounds = Args.Int(args, "--rounds", 3);
        var settings = Args.Settings(args);
        var total = endpoints * heartbeats;
        Console.WriteLine($"heartbeats: {endpoints} endpoints x {heartbeats} unchanged heartbeats per round ({total}), {rounds} rounds, "
            + $"{Environment.ProcessorCount} cores{string.Concat(settings.Select(s => $", {s.Key}={s.Value}"))}");
        var rates = new List<double>();
        var raws = new List<double>();
        for (var round = 1; round <= rounds; round++)
        {
            var env = new IsolatedEnvironment();
            try
            {
                await env.InitializeAsync();
                var rate = await HeartbeatsAsync(env, endpoints, heartbeats, settings, round);
                var raw = await RegistrationBenchmark.RawMassTransitAsync(env, total);
                Console.WriteLine($"round {round}: heartbeats {rate,8:F0}/s | raw MassTransit {raw,8:F0} msg/s | ratio {rate / raw:F3}");
                rates.Add(rate);
                raws.Add(raw);
            }
            finally
            {
                await env.DisposeAsync();
            }
        }
        Console.WriteLine($"median: heartbeats {Args.Median(rates):F0}/s, raw MassTransit {Args.Median(raws):F0} msg/s, ratio {Args.Median(rates.Zip(raws, (r, w) => r / w)):F3} (target >= 0.5)");
        return 0;
    }

    private static async Task<double> HeartbeatsAsync(IsolatedEnvironment env, int endpoints, int heartbeats, Dictionary<string, string> settings, int round)
    {
        var environment = new Dictionary<string, string>(env.EnvironmentVariables) { ["Logging__LogLevel__Default"] = "Warning" };
        foreach (var (key, value) in settings) environment[key] = value;
        await using var host = HostProcess.StartHost(environment, "--workers", "deployments");
        await WaitForConsumerAsync(env);
        // As a serving platform: its principal is checked against the access policy like any platform's.
        var bus = Bus.Factory.CreateUsingRabbitMq(cfg => cfg.Host(env.As(BrokerUsers.Serving)));
        await bus.StartAsync();
        try
        {
            // Each endpoint serves two of 50 artifacts (90/10), none registered: shadow models, as many fleets have.
            var digests = Enumerable.Range(0, 50).Select(i => "sha256:" + i.ToString("x64")).ToArray();
            EndpointInventoryReported Heartbeat(int e, int k) => new()
            {
                EndpointId = $"bench-{e}", Environment = "production", Platform = "kserve", ReportedAt = T0.AddSeconds(10 * k),
                Models = [new() { ManifestDigest = digests[e % 50], TrafficPercent = 90 }, new() { ManifestDigest = digests[(e + 1) % 50], TrafficPercent = 10 }],
            };

            // The first reconcile, untimed: one recorded inventory event per endpoint.
            await PublishAsync(bus, Enumerable.Range(0, endpoints).Select(e => Heartbeat(e, 0)));
            await using var c = await env.DataSource.OpenConnectionAsync();
            await UntilAsync(async () => await c.ExecuteScalarAsync<long>("SELECT count(*) FROM registry.deployment_events") >= endpoints, TimeSpan.FromMinutes(5));

            var start = Stopwatch.GetTimestamp();
            await PublishAsync(bus, Enumerable.Range(1, heartbeats).SelectMany(k => Enumerable.Range(0, endpoints).Select(e => Heartbeat(e, k))));
            // The end: a changed heartbeat published last is recorded and nothing is left ready in the queue (at most the
            // batches in flight, a few hundred cache hits, may still be finishing).
            await PublishAsync(bus, [new EndpointInventoryReported
            {
                EndpointId = Sentinel, Environment = "production", ReportedAt = T0.AddSeconds(round),
                Models = [new() { ManifestDigest = digests[round % 50], TrafficPercent = 100 }],
            }]);
            await UntilAsync(async () => await c.ExecuteScalarAsync<long>("SELECT count(*) FROM registry.deployment_events WHERE endpoint_id = @Sentinel", new { Sentinel }) > 0
                && (await QueueInspector.InspectAsync(env.RabbitMq, [Queue]))[0].Messages == 0, TimeSpan.FromMinutes(10));
            var seconds = Stopwatch.GetElapsedTime(start).TotalSeconds;
            var events = await c.ExecuteScalarAsync<long>("SELECT count(*) FROM registry.deployment_events WHERE endpoint_id <> @Sentinel", new { Sentinel });
            Console.WriteLine($"round {round}: {heartbeats * endpoints} heartbeats in {seconds:F2} s; inventory events stored {events} (the first reconcile: {endpoints})");
            return heartbeats * endpoints / seconds;
        }
        finally
        {
            await bus.StopAsync();
        }
    }

    private static async Task PublishAsync(IBusControl bus, IEnumerable<EndpointInventoryReported> heartbeats)
    {
        foreach (var chunk in heartbeats.Chunk(256)) await Task.WhenAll(chunk.Select(h => bus.Publish(h)));
    }

    private static async Task UntilAsync(Func<Task<bool>> done, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!await done())
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"not done within {timeout}");
            await Task.Delay(5);
        }
    }

    private static async Task WaitForConsumerAsync(IsolatedEnvironment env)
    {
        for (var i = 0; i < 600; i++)
        {
            if ((await QueueInspector.InspectAsync(env.RabbitMq, [Queue]))[0].Consumers > 0) return;
            await Task.Delay(100);
        }
        throw new TimeoutException($"the host never consumed from {Queue}");
    }
}
