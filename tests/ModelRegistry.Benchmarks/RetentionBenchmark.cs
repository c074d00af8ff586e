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
        var explain = Args.Int(args, "--explain", 0) != 0;
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
                if (explain)
                    Console.WriteLine("plan of the facts query:\n  " + string.Join("\n  ",
                        await connection.QueryAsync<string>("EXPLAIN (ANALYZE, BUFFERS) " + RetentionFactsQuery.AllStatement, commandTimeout: 0)));
                var queryTimes = new List<double>();
                var totalTimes = new List<double>();
                for (var r = 0; r < rounds; r++)
                {
                    clock.Restart();
                    var facts = await RetentionFactsQuery.AllAsync(connection, null, default);
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
        ArchiveActionRate.Report();
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
internal static class ArchiveActionRate
{
    public static void Report()
    {
        var queues = new RetentionModule().Queues;
        Console.WriteLine(queues.Contains("retention-archive")
            ? "archive actions end to end: not measured by this benchmark yet (the retention-archive queue exists: the measurement is to be added)"
            : "archive actions end to end: not measured (this build's retention module has no archive consumer)");
    }
}
