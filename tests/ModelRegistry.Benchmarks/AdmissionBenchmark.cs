using System.Diagnostics;
using Dapper;
using MassTransit;
using ModelRegistry.Contracts;
using ModelRegistry.Contracts.Deployments;
using ModelRegistry.Platform;
using ModelRegistry.Testing;

namespace ModelRegistry.Benchmarks;

/// <summary>
/// Admission check round trip, CheckDeploymentAdmission sent to DeploymentAdmitted/DeploymentDenied received, through
/// MassTransit's request client, the real broker and an idle host process: one request in flight (what the deploy path
/// waits for), cycling through an admitted version by name, the same by digest, and a denied unknown digest.
/// </summary>
internal static class AdmissionBenchmark
{
    private const double TargetP99 = 20;
    private const string UnknownDigest = "sha256:dddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddd";

    private sealed record Options(int Count, int Warmup, int Rounds);

    private sealed record Figures(double P50, double P99, double Max, int Admitted, int Denied);

    public static async Task<int> RunAsync(string[] args)
    {
        var o = new Options(Args.Int(args, "--count", 2000), Args.Int(args, "--warmup", 500), Args.Int(args, "--rounds", 3));
        if (o.Count < 1 || o.Rounds < 1 || o.Warmup < 0)
        {
            Console.Error.WriteLine("admission: --count and --rounds must be at least 1, --warmup at least 0");
            return 2;
        }
        Console.WriteLine($"admission: {o.Count} timed requests per round (one in flight), {o.Warmup} warm-up, {o.Rounds} rounds, " +
            $"{Environment.ProcessorCount} cores");
        var rounds = new List<Figures>();
        for (var round = 1; round <= o.Rounds; round++)
        {
            var env = new IsolatedEnvironment();
            await env.InitializeAsync();
            try
            {
                var f = await RoundAsync(env, o);
                Console.WriteLine($"round {round}: p50 {f.P50,6:F2} ms  p99 {f.P99,6:F2} ms  max {f.Max,7:F2} ms  ({f.Admitted} admitted, {f.Denied} denied)" +
                    $"  load average {LoadAverage()}");
                rounds.Add(f);
            }
            catch (Exception e) when (e is InvalidOperationException or TimeoutException or RequestTimeoutException)
            {
                Console.Error.WriteLine($"FAILED in round {round}: {e.Message}");
                return 1;
            }
            finally
            {
                await env.DisposeAsync();
            }
        }
        var (p50, p99) = (Args.Median(rounds.Select(f => f.P50)), Args.Median(rounds.Select(f => f.P99)));
        Console.WriteLine($"median p50 {p50,6:F2} ms  p99 {p99,6:F2} ms  max {Args.Median(rounds.Select(f => f.Max)),7:F2} ms");
        Console.WriteLine($"target: p99 <= {TargetP99} ms with the host idle {(p99 <= TargetP99 ? "met" : "NOT met")} ({p99:F2})");
        return 0;
    }

    private static async Task<Figures> RoundAsync(IsolatedEnvironment env, Options o)
    {
        var environment = new Dictionary<string, string>(env.EnvironmentVariables) { ["Logging__LogLevel__Default"] = "Warning" };
        await using var host = HostProcess.StartHost(environment);
        await using var observer = await RegistryObserver.StartAsync(env.AdminRabbitMq, env.RabbitMq.Username);
        await WaitForQueueAsync(env, host);
        var version = await ProductionVersionAsync(env, observer);

        // As a serving platform: its principal is checked against the access policy like any platform's.
        var bus = Bus.Factory.CreateUsingRabbitMq(cfg => cfg.Host(env.As(BrokerUsers.Serving)));
        await bus.StartAsync();
        try
        {
            var client = bus.CreateRequestClient<CheckDeploymentAdmission>(RequestTimeout.After(s: 30));
            CheckDeploymentAdmission[] requests =
            [
                Request() with { ModelName = version.ModelName, Version = version.Version },
                Request() with { ManifestDigest = version.ManifestDigest, TrafficPercent = 10 },
                Request() with { ManifestDigest = UnknownDigest },
            ];
            for (var i = 0; i < o.Warmup; i++) await client.GetResponse<DeploymentAdmitted, DeploymentDenied>(requests[i % requests.Length]);

            var samples = new double[o.Count];
            var (admitted, denied) = (0, 0);
            for (var i = 0; i < o.Count; i++)
            {
                var expectAdmitted = i % requests.Length != 2;
                var start = Stopwatch.GetTimestamp();
                var response = await client.GetResponse<DeploymentAdmitted, DeploymentDenied>(requests[i % requests.Length]);
                samples[i] = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
                if (response.Is(out Response<DeploymentAdmitted>? _) != expectAdmitted)
                    throw new InvalidOperationException($"request {i} was answered {response.Message.GetType().Name}");
                if (expectAdmitted) admitted++;
                else denied++;
            }
            Array.Sort(samples);
            return new Figures(Args.Percentile(samples, 0.50), Args.Percentile(samples, 0.99), samples[^1], admitted, denied);
        }
        finally
        {
            await bus.StopAsync();
        }
    }

    private static CheckDeploymentAdmission Request() => new()
    {
        EndpointId = "bench.prod-1",
        Environment = "production",
        TrafficPercent = 100,
    };

    /// <summary>A registered version put in production by writing its stage as the promotion worker would (promotion is not measured here).</summary>
    private static async Task<ModelVersionRegistered> ProductionVersionAsync(IsolatedEnvironment env, RegistryObserver observer)
    {
        var trained = new TrainingPipeline(env.SourceRoot).Trained("bench-admission", "run-1");
        await observer.PublishAsync(trained);
        var version = await observer.WaitForAsync<ModelVersionRegistered>(e => e.ModelName == trained.ModelName);
        await using var c = await env.DataSource.OpenConnectionAsync();
        await c.ExecuteAsync("""
            INSERT INTO registry.version_stages (version_id, model_id, version, stage, since, cause, cause_id)
            SELECT version_id, model_id, version, 'production', now(), 'promotion', gen_random_uuid() FROM registry.model_versions WHERE version_id = @id
            """, new { id = version.ModelVersionId });
        return version;
    }

    private static async Task WaitForQueueAsync(IsolatedEnvironment env, HostProcess host)
    {
        string[] queues = ["registration", "deployment-admission"];
        for (var i = 0; i < 600; i++)
        {
            var states = await QueueInspector.InspectAsync(env.RabbitMq, queues);
            if (states.All(s => s.Consumers > 0)) return;
            await Task.Delay(100);
        }
        throw new TimeoutException($"the host never consumed from {string.Join(" and ", queues)}:\n{host.Output}");
    }

    private static string LoadAverage() =>
        File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "unknown";
}
