using ModelRegistry.Components;
using System.Collections.Concurrent;
using System.Diagnostics;
using MassTransit;
using ModelRegistry.Contracts;
using ModelRegistry.Testing;

namespace ModelRegistry.Benchmarks;

/// <summary>End-to-end registrations/s against raw MassTransit publish->consume, on the same broker, in one run.</summary>
internal static class RegistrationBenchmark
{
    /// <summary>Untimed registrations first (--warmup): tiered compilation keeps re-compiling hot paths for tens of seconds.</summary>
    private static int Warmup { get; set; } = 2000;

    /// <summary>Host settings from --set KEY=VALUE, e.g. --set Artifacts__Fsync=false.</summary>
    private static Dictionary<string, string> Settings { get; set; } = [];

    public static async Task<int> RunAsync(string[] args)
    {
        Settings = args.Select((a, i) => (a, i)).Where(x => x.a == "--set" && x.i + 1 < args.Length)
            .Select(x => args[x.i + 1].Split('=', 2)).ToDictionary(kv => kv[0], kv => kv[1]);
        var count = Args.Int(args, "--count", 5000);
        var models = Args.Int(args, "--models", 50);
        var rounds = Args.Int(args, "--rounds", 3);
        Warmup = Args.Int(args, "--warmup", Warmup);
        Console.WriteLine($"registrations: {count} per round, {models} models, {rounds} rounds, {Warmup} warm-up, {Environment.ProcessorCount} cores{string.Concat(Settings.Select(s => $", {s.Key}={s.Value}"))}");

        var registrations = new List<double>();
        var p50s = new List<double>();
        var p99s = new List<double>();
        var raws = new List<double>();
        for (var round = 1; round <= rounds; round++)
        {
            var env = new IsolatedEnvironment();
            await env.InitializeAsync();
            try
            {
                var (rate, p50, p99) = await RegistrationsAsync(env, count, models, round);
                var raw = await RawMassTransitAsync(env, count * 4);
                Console.WriteLine($"round {round}: registrations {rate,8:F0}/s  p50 {p50,7:F1} ms  p99 {p99,7:F1} ms | raw MassTransit {raw,8:F0} msg/s | ratio {rate / raw:F3}");
                registrations.Add(rate);
                p50s.Add(p50);
                p99s.Add(p99);
                raws.Add(raw);
            }
            finally
            {
                await env.DisposeAsync();
            }
        }
        var median = Args.Median(registrations);
        var medianRaw = Args.Median(raws);
        Console.WriteLine($"median: registrations {median:F0}/s, p50 {Args.Median(p50s):F1} ms, p99 {Args.Median(p99s):F1} ms, raw MassTransit {medianRaw:F0} msg/s, ratio {Args.Median(registrations.Zip(raws, (r, w) => r / w)):F3}");
        return 0;
    }

    private static async Task<(double Rate, double P50, double P99)> RegistrationsAsync(IsolatedEnvironment env, int count, int models, int round)
    {
        var pipeline = new TrainingPipeline(env.SourceRoot);
        var events = Enumerable.Range(0, count)
            .Select(i => pipeline.Trained($"bench-{i % models}", $"r{round}-{i}", weights: BitConverter.GetBytes((long)i).Concat(new byte[4096]).ToArray()))
            .ToList();
        var environment = new Dictionary<string, string>(env.EnvironmentVariables)
        {
            ["Logging__LogLevel__Default"] = "Warning",
            ["RabbitMq__PrefetchCount"] = "128",
        };
        foreach (var (key, value) in Settings) environment[key] = value;
        await using var host = HostProcess.StartHost(environment, "--workers", "registration");
        await WaitForQueueAsync(env);

        var published = new ConcurrentDictionary<string, long>();
        Action warmupHandler = () => { };
        var observed = new ConcurrentDictionary<string, long>();
        var done = new TaskCompletionSource();
        var bus = Bus.Factory.CreateUsingRabbitMq(cfg =>
        {
            cfg.Host(env.RabbitMq);
            cfg.ReceiveEndpoint("bench-observer", e =>
            {
                e.PrefetchCount = 256;
                e.Handler<ModelVersionRegistered>(c =>
                {
                    if (c.Message.ModelName.StartsWith("warmup-", StringComparison.Ordinal)) warmupHandler();
                    else if (observed.TryAdd(c.Message.IdempotencyKey, Stopwatch.GetTimestamp()) && observed.Count == count) done.TrySetResult();
                    return Task.CompletedTask;
                });
                e.Handler<ModelRegistrationRejected>(c =>
                {
                    done.TrySetException(new InvalidOperationException($"rejected: {c.Message.ReasonCode} {c.Message.Message}"));
                    return Task.CompletedTask;
                });
            });
        });
        await bus.StartAsync();
        try
        {
            // Warm-up, not timed: the fresh host process JIT-compiles (and re-compiles with tiered PGO)
            // its hot paths during the first seconds; "sustained" means after that.
            var warmup = Enumerable.Range(0, Warmup)
                .Select(i => pipeline.Trained($"warmup-{i % models}", $"w{round}-{i}", weights: BitConverter.GetBytes(-1L - i))).ToList();
            var warmupDone = new TaskCompletionSource();
            var warmupSeen = 0;
            warmupHandler = () => { if (Interlocked.Increment(ref warmupSeen) == Warmup) warmupDone.TrySetResult(); };
            foreach (var batch in warmup.Chunk(256)) await Task.WhenAll(batch.Select(e => bus.Publish(e)));
            await warmupDone.Task.WaitAsync(TimeSpan.FromMinutes(10));

            var start = Stopwatch.GetTimestamp();
            foreach (var batch in events.Chunk(256))
                await Task.WhenAll(batch.Select(e =>
                {
                    published[$"{e.Lineage!.TrainingRunId}:{e.ModelName}"] = Stopwatch.GetTimestamp();
                    return bus.Publish(e);
                }));
            await done.Task.WaitAsync(TimeSpan.FromMinutes(10));
            var seconds = Stopwatch.GetElapsedTime(start, observed.Values.Max()).TotalSeconds;
            var latencies = observed.Select(o => Stopwatch.GetElapsedTime(published[o.Key], o.Value).TotalMilliseconds).Order().ToList();
            return (count / seconds, Args.Percentile(latencies, 0.50), Args.Percentile(latencies, 0.99));
        }
        finally
        {
            await bus.StopAsync();
        }
    }

    private static async Task WaitForQueueAsync(IsolatedEnvironment env)
    {
        for (var i = 0; i < 600; i++)
        {
            var states = await ModelRegistry.Components.QueueInspector.InspectAsync(env.RabbitMq, ["registration"]);
            if (states[0].Consumers > 0) return;
            await Task.Delay(100);
        }
        throw new TimeoutException("the host never consumed from the registration queue");
    }

    /// <summary>The broker's and MassTransit's own ceiling on this machine: empty messages, publish to consume.</summary>
    private static async Task<double> RawMassTransitAsync(IsolatedEnvironment env, int count)
    {
        var received = 0;
        var done = new TaskCompletionSource();
        var bus = Bus.Factory.CreateUsingRabbitMq(cfg =>
        {
            cfg.Host(env.RabbitMq);
            cfg.ReceiveEndpoint("bench-raw", e =>
            {
                e.PrefetchCount = 256;
                e.ConcurrentMessageLimit = 64;
                e.Handler<BenchPing>(_ =>
                {
                    if (Interlocked.Increment(ref received) == count) done.TrySetResult();
                    return Task.CompletedTask;
                });
            });
        });
        await bus.StartAsync();
        try
        {
            var start = Stopwatch.GetTimestamp();
            for (var sent = 0; sent < count; sent += 256)
                await Task.WhenAll(Enumerable.Range(0, Math.Min(256, count - sent)).Select(_ => bus.Publish(new BenchPing())));
            await done.Task.WaitAsync(TimeSpan.FromMinutes(5));
            return count / Stopwatch.GetElapsedTime(start).TotalSeconds;
        }
        finally
        {
            await bus.StopAsync();
        }
    }
}

/// <summary>An empty message for the raw MassTransit baseline.</summary>
public sealed record BenchPing;
