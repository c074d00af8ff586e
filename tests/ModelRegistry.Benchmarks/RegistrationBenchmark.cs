using ModelRegistry.Platform;
using System.Collections.Concurrent;
using System.Diagnostics;
using MassTransit;
using ModelRegistry.Contracts;
using ModelRegistry.Testing;

namespace ModelRegistry.Benchmarks;

/// <summary>End-to-end registrations/s against raw MassTransit publish->consume, on the same broker, in one run.</summary>
internal static class RegistrationBenchmark
{
    /// <summary>
    /// Untimed registrations first (--warmup). Tiered compilation keeps promoting methods for tens of seconds: a host under
    /// this load JIT-compiles about 13,800 methods at tier 0 and 6,000 at tier 1 (DOTNET_JitDisasmSummary), and on two
    /// saturated cores the background tier-1 compiles trail for the first ~10,000 registrations.
    /// </summary>
    private static int Warmup { get; set; } = 10_000;

    /// <summary>How the simulated pipelines talk to the broker (--client plain|masstransit).</summary>
    private static string Client { get; set; } = "plain";

    /// <summary>Host settings from --set KEY=VALUE, e.g. --set Artifacts__Fsync=false.</summary>
    private static Dictionary<string, string> Settings { get; set; } = [];

    public static async Task<int> RunAsync(string[] args)
    {
        Settings = args.Select((a, i) => (a, i)).Where(x => x.a == "--set" && x.i + 1 < args.Length)
            .Select(x => args[x.i + 1].Split('=', 2)).ToDictionary(kv => kv[0], kv => kv[1]);
        var count = Args.Int(args, "--count", 10_000);
        var models = Args.Int(args, "--models", 50);
        var rounds = Args.Int(args, "--rounds", 3);
        Warmup = Args.Int(args, "--warmup", Warmup);
        var clientAt = Array.IndexOf(args, "--client");
        Client = clientAt >= 0 && clientAt + 1 < args.Length ? args[clientAt + 1] : Client;
        if (Client is not ("plain" or "masstransit")) throw new ArgumentException($"--client {Client}: plain or masstransit");
        Console.WriteLine($"registrations: {count} per round, {models} models, {rounds} rounds, {Warmup} warm-up, {Client} client, {Environment.ProcessorCount} cores{string.Concat(Settings.Select(s => $", {s.Key}={s.Value}"))}");

        var registrations = new List<double>();
        var p50s = new List<double>();
        var p99s = new List<double>();
        var raws = new List<double>();
        // Each round's files are deleted only after the last round: on a file system without a journal, ext4 allocates no
        // inode freed in the last 30 s and scans past each one, so deleting the previous round's thousands of files would
        // tax every object the next round stores (a cost of the benchmark's clean-up, not of the registry).
        var finished = new List<IsolatedEnvironment>();
        try
        {
            for (var round = 1; round <= rounds; round++)
            {
                var env = new IsolatedEnvironment();
                finished.Add(env);
                await env.InitializeAsync();
                var (rate, p50, p99) = await RegistrationsAsync(env, count, models, round);
                var raw = await RawMassTransitAsync(env, count * 4);
                Console.WriteLine($"round {round}: registrations {rate,8:F0}/s  p50 {p50,7:F1} ms  p99 {p99,7:F1} ms | raw MassTransit {raw,8:F0} msg/s | ratio {rate / raw:F3}");
                registrations.Add(rate);
                p50s.Add(p50);
                p99s.Add(p99);
                raws.Add(raw);
            }
        }
        finally
        {
            foreach (var env in finished) await env.DisposeAsync();
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
        var starting = Stopwatch.GetTimestamp();
        await using var host = HostProcess.StartHost(environment, "--workers", "registration");
        await WaitForQueueAsync(env);
        Console.WriteLine($"round {round}: host consuming {Stopwatch.GetElapsedTime(starting).TotalSeconds:F1} s after its start");

        var published = new ConcurrentDictionary<string, long>();
        Action warmupHandler = () => { };
        var observed = new ConcurrentDictionary<string, long>();
        var done = new TaskCompletionSource();
        void Registered(ModelVersionRegistered m)
        {
            if (m.ModelName.StartsWith("warmup-", StringComparison.Ordinal)) warmupHandler();
            else if (observed.TryAdd(m.IdempotencyKey, Stopwatch.GetTimestamp()) && observed.Count == count) done.TrySetResult();
        }
        void Rejected(ModelRegistrationRejected m) => done.TrySetException(new InvalidOperationException($"rejected: {m.ReasonCode} {m.Message}"));

        await using var client = await PipelineAsync(env, Registered, Rejected);
        // Warm-up, not timed: the fresh host process JIT-compiles its hot paths during the first seconds; "sustained" means
        // after that.
        var warmup = Enumerable.Range(0, Warmup)
            .Select(i => pipeline.Trained($"warmup-{i % models}", $"w{round}-{i}", weights: BitConverter.GetBytes(-1L - i))).ToList();
        var warmupDone = new TaskCompletionSource();
        var warmupSeen = 0;
        warmupHandler = () => { if (Interlocked.Increment(ref warmupSeen) == Warmup) warmupDone.TrySetResult(); };
        foreach (var batch in warmup.Chunk(256)) await Task.WhenAll(batch.Select(client.PublishAsync));
        if (Warmup > 0) await warmupDone.Task.WaitAsync(TimeSpan.FromMinutes(10));

        var cpu = CpuSampler.Start(host.Id);
        var start = Stopwatch.GetTimestamp();
        foreach (var batch in events.Chunk(256))
            await Task.WhenAll(batch.Select(e =>
            {
                published[$"{e.Lineage!.TrainingRunId}:{e.ModelName}"] = Stopwatch.GetTimestamp();
                return client.PublishAsync(e);
            }));
        await done.Task.WaitAsync(TimeSpan.FromMinutes(10));
        var seconds = Stopwatch.GetElapsedTime(start, observed.Values.Max()).TotalSeconds;
        Console.WriteLine($"round {round}: {cpu.Report(count, "registration")}");
        // For information, not the figure: the rate between the 10th and the 90th percentile of completions, without the
        // start of the burst and its drain.
        var completions = observed.Values.Order().ToList();
        var (from, to) = count >= 20 ? (completions[count / 10], completions[count * 9 / 10 - 1]) : (0L, 0L);
        if (to > from)
            Console.WriteLine($"round {round}: middle 80 % of completions at {(count * 9 / 10 - 1 - count / 10) / Stopwatch.GetElapsedTime(from, to).TotalSeconds:F0}/s");
        var latencies = observed.Select(o => Stopwatch.GetElapsedTime(published[o.Key], o.Value).TotalMilliseconds).Order().ToList();
        return (count / seconds, Args.Percentile(latencies, 0.50), Args.Percentile(latencies, 0.99));
    }

    /// <summary>
    /// The simulated pipelines, connected as the pipeline's broker user (its principal, checked per message): plain JSON over
    /// RabbitMQ.Client (--client plain, the default) or a MassTransit bus, whose answers an observer bus of the registry's
    /// own user reads (a pipeline user may not declare the answers' exchanges or an arbitrary queue).
    /// </summary>
    private static async Task<IPipelineClient> PipelineAsync(IsolatedEnvironment env, Action<ModelVersionRegistered> registered,
        Action<ModelRegistrationRejected> rejected)
    {
        if (Client == "plain")
        {
            await PlainPipelineExchanges.DeclareAsync(env.RabbitMq);
            return new Plain(await PlainPipelineClient.StartAsync(env.As(BrokerUsers.Pipeline), registered, rejected));
        }
        var publisher = Bus.Factory.CreateUsingRabbitMq(cfg => cfg.Host(env.As(BrokerUsers.Pipeline)));
        var bus = Bus.Factory.CreateUsingRabbitMq(cfg =>
        {
            cfg.Host(env.RabbitMq);
            cfg.ReceiveEndpoint("bench-observer", e =>
            {
                e.PrefetchCount = 256;
                e.Handler<ModelVersionRegistered>(c =>
                {
                    registered(c.Message);
                    return Task.CompletedTask;
                });
                e.Handler<ModelRegistrationRejected>(c =>
                {
                    rejected(c.Message);
                    return Task.CompletedTask;
                });
            });
        });
        await bus.StartAsync();
        await publisher.StartAsync();
        return new MassTransitBus(publisher, bus);
    }

    private interface IPipelineClient : IAsyncDisposable
    {
        Task PublishAsync(ModelTrained message);
    }

    private sealed class Plain(PlainPipelineClient client) : IPipelineClient
    {
        public Task PublishAsync(ModelTrained message) => client.PublishAsync(message);

        public ValueTask DisposeAsync() => client.DisposeAsync();
    }

    private sealed class MassTransitBus(IBusControl publisher, IBusControl observer) : IPipelineClient
    {
        public Task PublishAsync(ModelTrained message) => publisher.Publish(message);

        public async ValueTask DisposeAsync()
        {
            await publisher.StopAsync();
            await observer.StopAsync();
        }
    }

    private static async Task WaitForQueueAsync(IsolatedEnvironment env)
    {
        for (var i = 0; i < 600; i++)
        {
            var states = await ModelRegistry.Platform.QueueInspector.InspectAsync(env.RabbitMq, ["registration"]);
            if (states[0].Consumers > 0) return;
            await Task.Delay(100);
        }
        throw new TimeoutException("the host never consumed from the registration queue");
    }

    /// <summary>The broker's and MassTransit's own ceiling on this machine: empty messages, publish to consume.</summary>
    internal static async Task<double> RawMassTransitAsync(IsolatedEnvironment env, int count)
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
                    if (Interlocked.Increment(ref received) == count + count / 2) done.TrySetResult();
                    return Task.CompletedTask;
                });
            });
        });
        await bus.StartAsync();
        try
        {
            // Warmed up like the host, untimed: half as many messages first.
            var total = count + count / 2;
            long start = 0;
            var timedFrom = 0;
            for (var sent = 0; sent < total; sent += 256)
            {
                if (sent >= count / 2 && start == 0)
                {
                    // The warm-up consumed, then the clock starts.
                    while (Volatile.Read(ref received) < sent) await Task.Delay(1);
                    start = Stopwatch.GetTimestamp();
                    timedFrom = sent;
                }
                await Task.WhenAll(Enumerable.Range(0, Math.Min(256, total - sent)).Select(_ => bus.Publish(new BenchPing())));
            }
            await done.Task.WaitAsync(TimeSpan.FromMinutes(5));
            return (total - timedFrom) / Stopwatch.GetElapsedTime(start).TotalSeconds;
        }
        finally
        {
            await bus.StopAsync();
        }
    }
}

/// <summary>An empty message for the raw MassTransit baseline.</summary>
public sealed record BenchPing;
