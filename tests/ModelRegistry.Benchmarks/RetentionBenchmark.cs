using System.Diagnostics;
using Dapper;
using ModelRegistry.Retention;
using ModelRegistry.Retention.Rules;
using ModelRegistry.Testing;
using Npgsql;

namespace ModelRegistry.Benchmarks;

/// <summary>
/// The retention plan at scale (issue 15's target: a plan over 1,000,000 versions in at most 10 s). (a) the planner
/// alone over a generated registry (<see cref="RetentionRegistry"/>); (b) the same registry bulk-loaded by binary COPY
/// into a fresh database with the real migrations, then <see cref="RetentionFactsQuery.AllAsync"/> and the plan, checked
/// to decide exactly as the in-memory plan did. Medians over R rounds. The rate of archive actions carried out end to
/// end is <see cref="ArchiveActionRate"/>'s.
/// </summary>
internal static class RetentionBenchmark
{
    public static async Task<int> RunAsync(string[] args)
    {
        var versions = Args.Int(args, "--versions", 1_000_000);
        var models = Args.Int(args, "--models", Math.Max(1, versions / 100));
        var rounds = Args.Int(args, "--rounds", 3);
        var database = Args.Int(args, "--database", 1) != 0;
        Console.WriteLine($"retention: {versions:N0} versions over {models:N0} models, {rounds} rounds, {Environment.ProcessorCount} cores");

        var clock = Stopwatch.StartNew();
        var registry = RetentionRegistry.Generate(versions, models);
        var policy = RetentionRegistry.Policy();
        Console.WriteLine($"generated {registry.Versions.Count:N0} versions in {clock.Elapsed.TotalSeconds:F1} s");

        RetentionPlan plan = null!;
        var planTimes = new List<double>();
        for (var r = 0; r < rounds; r++)
        {
            clock.Restart();
            plan = RetentionPlanner.Plan(registry.Versions, policy, RetentionRegistry.Now);
            planTimes.Add(clock.Elapsed.TotalSeconds);
        }
        Console.WriteLine($"plan in memory: median {Args.Median(planTimes):F2} s (rounds {string.Join(", ", planTimes.Select(t => t.ToString("F2")))})");
        Console.WriteLine("  " + Summary(plan));

        if (database)
        {
            var env = new IsolatedEnvironment();
            await env.InitializeAsync();
            try
            {
                await RetentionBulkLoad.LoadAsync(env.Database.MigrationConnectionString, registry);
                await using var connection = await env.DataSource.OpenConnectionAsync();
                var queryTimes = new List<double>();
                var totalTimes = new List<double>();
                for (var r = 0; r < rounds; r++)
                {
                    clock.Restart();
                    var facts = await RetentionFactsQuery.AllAsync(env.DataSource, default);
                    var queried = clock.Elapsed.TotalSeconds;
                    var fromDatabase = RetentionPlanner.Plan(facts, policy, RetentionRegistry.Now);
                    totalTimes.Add(clock.Elapsed.TotalSeconds);
                    queryTimes.Add(queried);
                    if (Summary(fromDatabase) != Summary(plan))
                    {
                        Console.Error.WriteLine($"the plan over the database's facts differs from the plan in memory:\n  {Summary(fromDatabase)}\n  {Summary(plan)}");
                        return 1;
                    }
                }
                Console.WriteLine($"facts query: median {Args.Median(queryTimes):F2} s (rounds {string.Join(", ", queryTimes.Select(t => t.ToString("F2")))})");
                Console.WriteLine($"facts query + plan: median {Args.Median(totalTimes):F2} s (rounds {string.Join(", ", totalTimes.Select(t => t.ToString("F2")))}); " +
                    "the same plan as in memory; target: <= 10 s for 1,000,000 versions");
            }
            finally
            {
                await env.DisposeAsync();
            }
        }
        var archiveVersions = Args.Int(args, "--archive-versions", 2_000);
        if (archiveVersions > 0) await ArchiveActionRate.ReportAsync(archiveVersions, Math.Max(1, archiveVersions / 50));
        return 0;
    }

    private static string Summary(RetentionPlan plan) =>
        $"archive {plan.Archive.Count:N0} ({plan.BytesToArchive / 1e12:F2} TB), delete {plan.Delete.Count:N0} ({plan.BytesToDelete / 1e12:F2} TB), kept " +
        string.Join(", ", plan.KeptCounts().OrderBy(k => k.Key, StringComparer.Ordinal).Select(k => $"{k.Key} {k.Value:N0}"));
}

/// <summary>
/// The rate of archive actions carried out end to end (RunRetentionSweep published, N ModelVersionArchived observed). It
/// needs the retention worker's archive consumer, which this build of the module does not have yet: the benchmark says
/// so instead of printing a figure.
/// </summary>
/// <summary>
/// The rate of archive actions carried out end to end: N versions (two small files each, all their own bytes) registered
/// through a real host, then one sweep (RunRetentionSweep over the broker) with a policy that archives all but each model's
/// newest; timed from the publish to the last action done (planning, the outbox, the broker, the re-check, the copy to the
/// archive tier with fsync, the commit).
/// </summary>
internal static class ArchiveActionRate
{
    private const string Policy = """{"rules": [{"name": "bench", "archiveAfterDays": 0, "keepNewest": 1}]}""";

    public static async Task ReportAsync(int versions, int models)
    {
        var env = new IsolatedEnvironment();
        await env.InitializeAsync();
        try
        {
            var policyFile = Path.Combine(Path.GetDirectoryName(env.ArtifactsRoot)!, "retention-bench-policy.json");
            Directory.CreateDirectory(Path.GetDirectoryName(policyFile)!);
            await File.WriteAllTextAsync(policyFile, Policy);
            var environment = new Dictionary<string, string>(env.EnvironmentVariables)
            {
                ["Retention__PolicyFile"] = policyFile, ["Retention__SweepSchedule"] = "0 0 0 1 1 ? 2099",
            };
            var pipeline = new TrainingPipeline(env.SourceRoot);
            var events = Enumerable.Range(0, versions).Select(i =>
            {
                var trained = pipeline.Trained($"archive-{i % models}", $"run-{i}", weights: BitConverter.GetBytes((long)i).Concat(new byte[4096]).ToArray());
                var config = pipeline.WriteFile($"archive-{i % models}/run-{i}", "config.json", "config", System.Text.Encoding.UTF8.GetBytes($"{{\"run\": {i}}}"));
                return trained with { Artifact = new() { Files = [trained.Artifact!.Files[0], config] } };
            }).ToList();
            await using var observer = await RegistryObserver.StartAsync(env.AdminRabbitMq, env.RabbitMq.Username);
            await using var host = HostProcess.StartHost(environment, "--workers", "registration,retention");
            await host.WaitUntilStartedAsync();
            foreach (var batch in events.Chunk(200)) await Task.WhenAll(batch.Select(observer.PublishAsync));
            await using var c = await env.DataSource.OpenConnectionAsync();
            await Eventually.UntilAsync(() => c.ExecuteScalarAsync<long>("SELECT count(*) FROM registry.model_versions"), n => n == versions,
                TimeSpan.FromMinutes(10), "every registration");

            var sweepId = Guid.NewGuid();
            var start = Stopwatch.GetTimestamp();
            await observer.PublishAsync(new ModelRegistry.Contracts.Retention.RunRetentionSweep { SweepId = sweepId, RequestedBy = "benchmark" });
            var expected = versions - models;
            await Eventually.UntilAsync(() => c.ExecuteScalarAsync<long>(
                    "SELECT count(*) FROM registry.retention_actions WHERE sweep_id = @sweepId AND status = 'done'", new { sweepId }),
                n => n == expected, TimeSpan.FromMinutes(20), "every archive action");
            var seconds = Stopwatch.GetElapsedTime(start).TotalSeconds;
            Console.WriteLine($"archive actions end to end: {expected:N0} in {seconds:F1} s = {expected / seconds:F0}/s " +
                $"(RunRetentionSweep published to the last action done; {versions:N0} versions over {models:N0} models, 2 small files each, fsync on)");
        }
        finally
        {
            await env.DisposeAsync();
        }
    }
}
