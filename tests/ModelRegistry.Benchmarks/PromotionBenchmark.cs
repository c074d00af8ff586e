using System.Collections.Concurrent;
using System.Diagnostics;
using MassTransit;
using ModelRegistry.Platform;
using ModelRegistry.Contracts;
using ModelRegistry.Contracts.Promotion;
using ModelRegistry.Testing;
using ModelRegistry.Promotion.Rules;

namespace ModelRegistry.Benchmarks;

/// <summary>
/// Promotion latency, RequestPromotion published to ModelVersionPromoted observed, through a real host process, broker and
/// database: "low" tier (no gates, no approvals) registered -> production, and "high" tier staging -> production with two
/// approvals answered by a simulated ticketing client. Sequential (one in flight: what the latency target means), then
/// a throughput figure with several models promoted at once.
/// </summary>
internal static class PromotionBenchmark
{
    private const double TargetP50 = 50, TargetP99 = 250;
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    private sealed record Options(int Count, int Rounds, int Warmup, int Models, int Concurrency, Dictionary<string, string> Settings);

    private sealed record Scenario(string Name, string Tier, string FromStage, bool Approvals);

    private static readonly Scenario[] Scenarios =
    [
        new("no approvals", "low", "registered", Approvals: false),
        new("two approvals", "high", "staging", Approvals: true),
    ];

    private sealed record Figures(double P50, double P99, double Max, double PerSecond, Breakdown Where);

    /// <summary>Medians, in ms, of the stretches of one promotion, from clocks of the same machine: publish to the saga's
    /// first message (requested_at), to the commit of the last (the audit records' time), to the relay's publish of
    /// ModelVersionPromoted (its SentTime), to the benchmark seeing it.</summary>
    private sealed record Breakdown(double ToSaga, double InSaga, double CommitAndRelay, double BrokerToObserver)
    {
        public override string ToString() =>
            $"publish->saga {ToSaga:F1} | saga->commit {InSaga:F1} | commit->relay publish {CommitAndRelay:F1} | relay publish->observed {BrokerToObserver:F1} ms";
    }

    /// <summary>What the observer saw of one promotion.</summary>
    private sealed record Outcome(long Seen, DateTime SeenAt, DateTime? SentAt);

    /// <summary>One timed promotion: its id, when it was published (wall clock) and what was seen.</summary>
    private sealed record Sample(Guid PromotionId, double Milliseconds, DateTime PublishedAt, Outcome Outcome);

    public static async Task<int> RunAsync(string[] args)
    {
        var o = new Options(Args.Int(args, "--count", 200), Args.Int(args, "--rounds", 3), Args.Int(args, "--warmup", 100),
            Args.Int(args, "--models", 10), Args.Int(args, "--concurrency", 8), Args.Settings(args));
        if (o.Count < 1 || o.Models < 1 || o.Rounds < 1 || o.Warmup < 0 || o.Concurrency < 0)
        {
            Console.Error.WriteLine("promotions: --count, --models and --rounds must be at least 1, --warmup and --concurrency at least 0");
            return 2;
        }
        Console.WriteLine($"promotions: {o.Count} timed per scenario and round (one in flight), {o.Warmup} warm-up, {o.Models} models, " +
            $"throughput with {o.Concurrency} in flight, {o.Rounds} rounds, {Environment.ProcessorCount} cores" +
            string.Concat(o.Settings.Select(s => $", {s.Key}={s.Value}")));

        var results = Scenarios.ToDictionary(s => s, _ => new List<Figures>());
        for (var round = 1; round <= o.Rounds; round++)
        {
            var env = new IsolatedEnvironment();
            await env.InitializeAsync();
            try
            {
                List<(Scenario, Figures)> measured;
                try
                {
                    measured = await RoundAsync(env, o, round);
                }
                catch (Exception e) when (e is InvalidOperationException or TimeoutException)
                {
                    Console.Error.WriteLine($"FAILED in round {round}: {e.Message}");
                    return 1;
                }
                foreach (var (scenario, figures) in measured)
                {
                    Console.WriteLine($"round {round}: {scenario.Name,-13} p50 {figures.P50,7:F1} ms  p99 {figures.P99,7:F1} ms  max {figures.Max,7:F1} ms" +
                        (o.Concurrency > 0 ? $" | {figures.PerSecond,6:F0} promotions/s with {o.Concurrency} in flight" : ""));
                    Console.WriteLine($"         where (medians): {figures.Where}");
                    results[scenario].Add(figures);
                }
                Console.WriteLine($"         load average {LoadAverage()} (other processes on this machine skew latency)");
            }
            finally
            {
                await env.DisposeAsync();
            }
        }

        foreach (var (scenario, figures) in results)
            Console.WriteLine($"median {scenario.Name,-13} p50 {Args.Median(figures.Select(f => f.P50)),7:F1} ms  p99 {Args.Median(figures.Select(f => f.P99)),7:F1} ms  " +
                $"max {Args.Median(figures.Select(f => f.Max)),7:F1} ms" +
                (o.Concurrency > 0 ? $" | {Args.Median(figures.Select(f => f.PerSecond)),6:F0} promotions/s" : ""));
        var fast = results[Scenarios[0]];
        var (p50, p99) = (Args.Median(fast.Select(f => f.P50)), Args.Median(fast.Select(f => f.P99)));
        Console.WriteLine($"target (no approvals, one in flight): p50 <= {TargetP50} ms {(p50 <= TargetP50 ? "met" : "NOT met")} ({p50:F1}), " +
            $"p99 <= {TargetP99} ms {(p99 <= TargetP99 ? "met" : "NOT met")} ({p99:F1})");
        return 0;
    }

    private static string LoadAverage() =>
        File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "unknown";

    private static async Task<List<(Scenario, Figures)>> RoundAsync(IsolatedEnvironment env, Options o, int round)
    {
        var environment = new Dictionary<string, string>(env.EnvironmentVariables) { ["Logging__LogLevel__Default"] = "Warning" };
        foreach (var (key, value) in o.Settings) environment[key] = value;
        await using var host = HostProcess.StartHost(environment);
        await using var observer = await Observer.StartAsync(env);
        await using var ticketing = await TicketingClient.StartAsync(env.As(BrokerUsers.Ticketing), TestPolicies.Integration, TestPolicies.Secret, _ =>
            [TicketVote.Approve("alice", "model-risk-officer", "benchmark"), TicketVote.Approve("bob", "security-review", "benchmark")]);
        await WaitForQueueAsync(env, host);
        try
        {
            return await ScenariosAsync(env, o, round, observer, ticketing);
        }
        catch (Exception e) when (e is InvalidOperationException or TimeoutException)
        {
            var tail = host.Output.Split('\n').TakeLast(40);
            throw new InvalidOperationException($"{e.Message}\nhost output (last 40 lines):\n{string.Join('\n', tail)}", e);
        }
    }

    private static async Task<List<(Scenario, Figures)>> ScenariosAsync(IsolatedEnvironment env, Options o, int round, Observer observer, TicketingClient ticketing)
    {
        var results = new List<(Scenario, Figures)>();
        var approvalPromotions = 0;
        foreach (var scenario in Scenarios)
        {
            // Warm-up, timed and throughput versions under models of their own; throughput gives each worker one model.
            var warmup = await RegisterAsync(env, observer, $"{scenario.Tier}-warm", Math.Min(o.Models, Math.Max(1, o.Warmup)), o.Warmup, round);
            var timed = await RegisterAsync(env, observer, $"{scenario.Tier}-timed", o.Models, o.Count, round);
            var parallel = o.Concurrency > 0 ? await RegisterAsync(env, observer, $"{scenario.Tier}-tput", o.Concurrency, o.Count, round) : [];
            if (scenario.FromStage == "staging")
                foreach (var versions in new[] { warmup, timed, parallel })
                    await ConcurrentlyAsync(observer, versions, "staging", Math.Max(1, o.Concurrency));

            foreach (var v in warmup) await observer.PromoteAsync(v, "production");
            var samples = new List<Sample>(timed.Count);
            foreach (var v in timed) samples.Add(await observer.PromoteAsync(v, "production"));
            var latencies = samples.Select(x => x.Milliseconds).Order().ToList();
            var where = await BreakdownAsync(env, samples);
            var rate = o.Concurrency > 0 ? await ConcurrentlyAsync(observer, parallel, "production", o.Concurrency) : double.NaN;

            observer.ThrowIfFailed();
            if (ticketing.Faults.Count > 0) throw new InvalidOperationException($"the ticketing client failed: {ticketing.Faults.First()}");
            if (scenario.Approvals) approvalPromotions += warmup.Count + timed.Count + parallel.Count;
            if (ticketing.Published.Count != 2 * approvalPromotions)
                throw new InvalidOperationException($"the ticketing client sent {ticketing.Published.Count} decisions, expected {2 * approvalPromotions}");
            results.Add((scenario, new Figures(Args.Percentile(latencies, 0.50), Args.Percentile(latencies, 0.99), latencies[^1], rate, where)));
        }
        return results;
    }

    private static async Task<Breakdown> BreakdownAsync(IsolatedEnvironment env, List<Sample> samples)
    {
        await using var c = await env.DataSource.OpenConnectionAsync();
        var times = (await Dapper.SqlMapper.QueryAsync<(Guid Id, DateTime RequestedAt, DateTime CommittedAt)>(c, """
            SELECT p.promotion_id, p.requested_at, a.recorded_at FROM registry.promotions p
            JOIN registry.audit_log a ON a.subject = p.promotion_id::text AND a.action = 'promotion.promoted'
            WHERE p.promotion_id = ANY(@ids)
            """, new { ids = samples.Select(x => x.PromotionId).ToArray() })).ToDictionary(t => t.Id);
        double Ms(DateTime from, DateTime to) => (to - from).TotalMilliseconds;
        var known = samples.Where(x => times.ContainsKey(x.PromotionId) && x.Outcome.SentAt is not null).ToList();
        return new Breakdown(
            Args.Median(known.Select(x => Ms(x.PublishedAt, times[x.PromotionId].RequestedAt))),
            Args.Median(known.Select(x => Ms(times[x.PromotionId].RequestedAt, times[x.PromotionId].CommittedAt))),
            Args.Median(known.Select(x => Ms(times[x.PromotionId].CommittedAt, x.Outcome.SentAt!.Value))),
            Args.Median(known.Select(x => Ms(x.Outcome.SentAt!.Value, x.Outcome.SeenAt))));
    }

    /// <summary>Registers <paramref name="count"/> versions spread over <paramref name="models"/> models; returns them in
    /// an order that takes each model in turn.</summary>
    private static async Task<List<ModelVersionRegistered>> RegisterAsync(IsolatedEnvironment env, Observer observer, string prefix, int models, int count, int round)
    {
        if (count == 0) return [];
        var tier = prefix.Split('-')[0];
        var pipeline = new TrainingPipeline(env.SourceRoot);
        var runs = Enumerable.Range(0, count).Select(i => (Model: $"{prefix}-{i % models}", Run: $"r{round}-{prefix}-{i}")).ToList();
        var waits = runs.Select(r => observer.Registered(r.Run)).ToList();
        foreach (var batch in runs.Chunk(128))
            await Task.WhenAll(batch.Select(r => observer.Bus.Publish(pipeline.Trained(r.Model, r.Run) with { RiskTier = tier })));
        var all = Task.WhenAll(waits);
        if (await Task.WhenAny(all, Task.Delay(TimeSpan.FromSeconds(30 + count / 10))) != all)
            throw new TimeoutException($"{waits.Count(w => !w.IsCompleted)} of {count} {prefix} versions not registered in time");
        var registered = await all;
        return registered.OrderBy(r => r.Version).ThenBy(r => r.ModelName, StringComparer.Ordinal).ToList();
    }

    /// <summary>Promotes the versions with one sequential lane per model, <paramref name="lanes"/> at a time; returns promotions/s.</summary>
    private static async Task<double> ConcurrentlyAsync(Observer observer, List<ModelVersionRegistered> versions, string stage, int lanes)
    {
        if (versions.Count == 0) return double.NaN;
        var byModel = new ConcurrentQueue<List<ModelVersionRegistered>>(versions.GroupBy(v => v.ModelName).Select(g => g.ToList()));
        var start = Stopwatch.GetTimestamp();
        await Task.WhenAll(Enumerable.Range(0, lanes).Select(async _ =>
        {
            while (byModel.TryDequeue(out var model))
                foreach (var v in model) await observer.PromoteAsync(v, stage);
        }));
        return versions.Count / Stopwatch.GetElapsedTime(start).TotalSeconds;
    }

    private static async Task WaitForQueueAsync(IsolatedEnvironment env, HostProcess host)
    {
        string[] queues = ["registration", "promotion"];
        for (var i = 0; i < 600; i++)
        {
            var states = await QueueInspector.InspectAsync(env.RabbitMq, queues);
            if (states.All(s => s.Consumers > 0)) return;
            await Task.Delay(100);
        }
        throw new TimeoutException($"the host never consumed from {string.Join(" and ", queues)}:\n{host.Output}");
    }

    /// <summary>
    /// A MassTransit client on a private, auto-deleted queue bound to the registry's events before anything is published:
    /// stamps each outcome with <see cref="Stopwatch.GetTimestamp"/> on arrival, and fails every waiting promotion on a
    /// rejection or a refused approval.
    /// </summary>
    private sealed class Observer : IAsyncDisposable
    {
        private readonly ConcurrentDictionary<string, TaskCompletionSource<ModelVersionRegistered>> registrations = new();
        private readonly ConcurrentDictionary<Guid, TaskCompletionSource<Outcome>> promotions = new();
        private volatile Exception? failure;

        public IBusControl Bus { get; private set; } = null!;

        public static async Task<Observer> StartAsync(IsolatedEnvironment env)
        {
            var observer = new Observer();
            observer.Bus = MassTransit.Bus.Factory.CreateUsingRabbitMq(cfg =>
            {
                cfg.Host(env.RabbitMq);
                cfg.ReceiveEndpoint("bench-promotions-" + Guid.NewGuid().ToString("N")[..8], e =>
                {
                    e.AutoDelete = true;
                    e.Durable = false;
                    e.PrefetchCount = 256;
                    e.ConcurrentMessageLimit = 64;
                    e.Handler<ModelVersionPromoted>(c =>
                    {
                        var seen = Stopwatch.GetTimestamp();
                        if (observer.promotions.TryGetValue(c.Message.PromotionId, out var waiting))
                            waiting.TrySetResult(new Outcome(seen, DateTime.UtcNow, c.SentTime));
                        return Task.CompletedTask;
                    });
                    e.Handler<PromotionRejected>(c => observer.Fail(
                        $"promotion {c.Message.PromotionId} of {c.Message.ModelName}/{c.Message.Version} to {c.Message.TargetStage} rejected: {c.Message.ReasonCode} {c.Message.Message}"));
                    e.Handler<ApprovalRefused>(c => observer.Fail(
                        $"approval of {c.Message.PromotionId} by {c.Message.Approver} refused: {c.Message.ReasonCode} {c.Message.Message}"));
                    e.Handler<ModelVersionRegistered>(c =>
                    {
                        observer.registrations.GetOrAdd(c.Message.TrainingRunId, _ => NewSource<ModelVersionRegistered>()).TrySetResult(c.Message);
                        return Task.CompletedTask;
                    });
                    e.Handler<ModelRegistrationRejected>(c => observer.Fail($"registration rejected: {c.Message.ReasonCode} {c.Message.Message}"));
                });
            });
            await observer.Bus.StartAsync();
            return observer;
        }

        public void ThrowIfFailed()
        {
            if (failure is not null) throw failure;
        }

        public Task<ModelVersionRegistered> Registered(string trainingRunId) =>
            registrations.GetOrAdd(trainingRunId, _ => NewSource<ModelVersionRegistered>()).Task;

        /// <summary>Publishes a RequestPromotion and waits for its ModelVersionPromoted; returns milliseconds between the two.</summary>
        public async Task<Sample> PromoteAsync(ModelVersionRegistered version, string stage)
        {
            ThrowIfFailed();
            var id = NewId.NextGuid();
            var promoted = NewSource<Outcome>();
            promotions[id] = promoted;
            var request = new RequestPromotion
            {
                PromotionId = id,
                ModelName = version.ModelName,
                Version = version.Version,
                TargetStage = stage,
                RequestedBy = "erin",
                Reason = "benchmark",
                ChangeTicket = "CHG-BENCH",
            };
            var publishedAt = DateTime.UtcNow;
            var start = Stopwatch.GetTimestamp();
            await Bus.Publish(request);
            try
            {
                var seen = await promoted.Task.WaitAsync(Patience);
                return new Sample(id, Stopwatch.GetElapsedTime(start, seen.Seen).TotalMilliseconds, publishedAt, seen);
            }
            catch (TimeoutException)
            {
                throw new TimeoutException($"no ModelVersionPromoted for {version.ModelName}/{version.Version} -> {stage} within {Patience.TotalSeconds} s");
            }
            finally
            {
                promotions.TryRemove(id, out _);
            }
        }

        private Task Fail(string message)
        {
            var e = new InvalidOperationException(message);
            failure ??= e;
            foreach (var waiting in promotions.Values) waiting.TrySetException(e);
            foreach (var waiting in registrations.Values) waiting.TrySetException(e);
            return Task.CompletedTask;
        }

        private static TaskCompletionSource<T> NewSource<T>() => new(TaskCreationOptions.RunContinuationsAsynchronously);

        public async ValueTask DisposeAsync() => await Bus.StopAsync();
    }
}
