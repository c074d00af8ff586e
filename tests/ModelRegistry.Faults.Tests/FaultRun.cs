using System.Diagnostics;
using Dapper;
using ModelRegistry.Platform;
using ModelRegistry.Contracts;
using ModelRegistry.Testing;
using Xunit.Abstractions;

namespace ModelRegistry.Faults.Tests;

[CollectionDefinition(Name)]
public sealed class FaultSuite : ICollectionFixture<FaultServices>
{
    public const string Name = "faults";
}

/// <summary>
/// One fault test's load and its bookkeeping: a host process (restartable), a pipeline that publishes
/// rounds of registrations for a few models of the test's own prefix, and the checks every fault
/// test ends with.
/// </summary>
public sealed class FaultRun(FaultServices services, ITestOutputHelper output, string prefix) : IAsyncDisposable
{
    public const int Models = 6;
    private static readonly string[] WorkerQueues = ["registration", "evaluation", "promotion", "promotion-evaluations", "rollback", "probe"];
    private readonly TrainingPipeline pipeline = new(services.SourceRoot);
    private readonly List<HostProcess> exited = [];
    private readonly HashSet<string> announced = [];
    private int published;

    public PlainBroker Broker { get; } = new(services.RabbitMq);
    public HostProcess? Host { get; private set; }
    public int Published => published;
    public (string Key, string Value)[] HostSettings { get; init; } = [];

    /// <summary>
    /// The suite's watchdog: a check every 2 s, exit after 20 s stalled (the outages here are at most 30 s, after which
    /// MassTransit's next reconnect attempt is due within ~11 s), so a host wedged by RabbitMQ.Client #1930 is replaced
    /// within ~30 s. Production's default is 60 s.
    /// </summary>
    public static readonly (string Key, string Value)[] Watchdog = [("Health__CheckIntervalSeconds", "2"), ("Health__MaxStalledSeconds", "20")];

    /// <summary>How often the host exited 4 (stalled, the watchdog) and was started again, as its supervisor would.</summary>
    public int WatchdogRestarts { get; private set; }

    public async Task StartHostAsync()
    {
        Host = HostProcess.StartHost(services.EnvironmentVariables(HostSettings));
        await Host.WaitUntilStartedAsync();
    }

    /// <summary>
    /// Plays the supervisor (run.sh, systemd, Docker): a host that exited 4 (stalled) is started again; any other exit
    /// that the test did not cause fails the test.
    /// </summary>
    public async Task SuperviseAsync()
    {
        if (Host is not { HasExited: true } gone) return;
        if (gone.ExitCode != HostExit.Stalled) throw new InvalidOperationException($"the host exited {gone.ExitCode}: {gone.Output}");
        WatchdogRestarts++;
        Log($"the host exited {HostExit.Stalled} (stalled); starting it again, as its supervisor would ({WatchdogRestarts} so far)");
        exited.Add(gone);
        await StartHostAsync();
    }

    public async Task KillHostAsync()
    {
        if (Host is null) return;
        Host.KillHard();
        await Host.WaitForExitAsync(TimeSpan.FromSeconds(30));
        exited.Add(Host);
        Host = null;
    }

    /// <summary>Publishes <paramref name="count"/> more registrations, spread over the test's models.</summary>
    public Task PublishAsync(int count)
    {
        var first = published;
        published += count;
        return Broker.PublishAsync(Enumerable.Range(first, count).Select(i => pipeline.Trained($"{prefix}-{i % Models}", $"{prefix}-run-{i}")));
    }

    public async Task<long?> RegisteredAsync()
    {
        await SuperviseAsync();
        return await services.TryCountAsync(
            "SELECT count(*) FROM registry.model_versions v JOIN registry.models m USING (model_id) WHERE m.name LIKE @pattern",
            new { pattern = prefix + "-%" });
    }

    /// <summary>Waits until every published registration is committed; returns how long that took.</summary>
    public async Task<TimeSpan> WaitForAllRegisteredAsync(TimeSpan bound, string after)
    {
        var clock = Stopwatch.StartNew();
        await Eventually.UntilAsync(RegisteredAsync, n => n == published, bound,
            $"{after}: all {published} registrations committed (host: {HostState()})");
        return clock.Elapsed;
    }

    /// <summary>Waits until a ModelVersionRegistered of every registration published so far has arrived.</summary>
    public async Task<TimeSpan> WaitForAllAnnouncedAsync(TimeSpan bound, string after)
    {
        var clock = Stopwatch.StartNew();
        var keys = Enumerable.Range(0, published).Select(i => $"{prefix}-run-{i}:{prefix}-{i % Models}").ToList();
        await Eventually.UntilAsync(async () =>
        {
            await SuperviseAsync();
            try
            {
                foreach (var e in await Broker.DrainRegisteredEventsAsync()) announced.Add(e.IdempotencyKey);
            }
            catch (Exception e) when (e is RabbitMQ.Client.Exceptions.BrokerUnreachableException or RabbitMQ.Client.Exceptions.OperationInterruptedException)
            {
            }
            return keys.Count(announced.Contains);
        }, n => n == keys.Count, bound, $"{after}: a ModelVersionRegistered for each of the {published} registrations (host: {HostState()})");
        return clock.Elapsed;
    }

    /// <summary>Waits until at least one more registration than <paramref name="before"/> is committed.</summary>
    public async Task<TimeSpan> WaitForProgressAsync(long before, TimeSpan bound, string after)
    {
        var clock = Stopwatch.StartNew();
        await Eventually.UntilAsync(RegisteredAsync, n => n > before || n == published, bound,
            $"{after}: commits resumed (host: {HostState()})");
        return clock.Elapsed;
    }

    public void Log(string line) => output.WriteLine($"{DateTime.UtcNow:HH:mm:ss.fff} {line}");

    /// <summary>
    /// Every registration exactly once, numbered without gaps per model, each announced by a
    /// ModelVersionRegistered, the outbox drained, no error queue holding anything, the audit chain intact.
    /// </summary>
    public async Task AssertConsistentAsync(TimeSpan bound)
    {
        await WaitForAllRegisteredAsync(bound, "at the end");
        await using var c = await services.DataSource.OpenConnectionAsync();
        var versions = (await c.QueryAsync<(string Model, int Version, string Key)>("""
            SELECT m.name, v.version, v.idempotency_key FROM registry.model_versions v JOIN registry.models m USING (model_id)
            WHERE m.name LIKE @pattern
            """, new { pattern = prefix + "-%" })).ToList();
        Assert.Equal(published, versions.Count);
        Assert.Equal(published, versions.Select(v => v.Key).Distinct().Count());
        foreach (var model in versions.GroupBy(v => v.Model))
            Assert.Equal(Enumerable.Range(1, model.Count()), model.Select(v => v.Version).Order());
        Assert.Equal(0, await c.ExecuteScalarAsync<long>("SELECT count(*) FROM registry.rejections WHERE subject LIKE @pattern", new { pattern = prefix + "-%" }));

        await Eventually.UntilAsync(() => c.ExecuteScalarAsync<long>("SELECT count(*) FROM registry.outbox"), n => n == 0, bound, "an empty outbox");
        await WaitForAllAnnouncedAsync(bound, "at the end");
        Assert.Equal(0, await c.ExecuteScalarAsync<long>("SELECT count(*) FROM registry.outbox_dead"));

        var errorQueues = await Broker.QueuesAsync(WorkerQueues.Select(q => q + "_error"));
        Assert.All(errorQueues, q => Assert.True(q.Messages == 0, $"{q.Queue} holds {q.Messages} message(s)"));

        await using var verify = HostProcess.StartCli(services.EnvironmentVariables(), "audit", "verify");
        Assert.True(await verify.WaitForExitAsync(TimeSpan.FromSeconds(60)) == 0, "mreg audit verify: " + verify.Output);
    }

    private string HostState() => Host is null ? "none" : Host.HasExited ? "exited" : "running, last lines: " + string.Join(" | ", Host.Output.Split('\n').TakeLast(5));

    /// <summary>Each host's whole output goes to a file named in the test output, for a failure's post-mortem.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Host is not null) exited.Add(Host);
        var folder = Path.Combine(Path.GetTempPath(), "mreg-faults-logs");
        Directory.CreateDirectory(folder);
        for (var i = 0; i < exited.Count; i++)
        {
            await exited[i].DisposeAsync();
            var file = Path.Combine(folder, $"{prefix}-host-{i + 1}.log");
            await File.WriteAllTextAsync(file, exited[i].Output);
            Log($"host {i + 1} output: {file}");
        }
    }
}
