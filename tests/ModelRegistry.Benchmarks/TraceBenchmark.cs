using System.Diagnostics;
using Dapper;
using ModelRegistry.Deployments;
using ModelRegistry.Testing;
using Npgsql;
using NpgsqlTypes;

namespace ModelRegistry.Benchmarks;

/// <summary>
/// <c>mreg trace</c> at scale: a fresh database filled by binary COPY with N history intervals (default 10 million) over
/// E endpoints (10,000) and V versions (100,000, in 1,000 models), the table's indexes and foreign keys dropped for the
/// load and rebuilt after it (each phase timed), then P random (endpoint, instant) probes of the query
/// <see cref="DeploymentQueries.TraceAsync"/> runs, after a warm-up, with p50/p99.
/// </summary>
internal static class TraceBenchmark
{
    private const int VersionsPerModel = 100;
    private static readonly DateTime Start = new(2020, 1, 1, 0, 0, 0, DateTimeKind.Utc);

    public static async Task<int> RunAsync(string[] args)
    {
        var intervals = Args.Int(args, "--intervals", 10_000_000);
        var endpoints = Args.Int(args, "--endpoints", 10_000);
        var versions = Args.Int(args, "--versions", 100_000);
        var probes = Args.Int(args, "--probes", 10_000);
        var perEndpoint = Math.Max(1, intervals / endpoints);
        Console.WriteLine($"trace: {perEndpoint * endpoints:N0} intervals over {endpoints:N0} endpoints and {versions:N0} versions, {probes:N0} probes, " +
            $"{Environment.ProcessorCount} cores");

        var env = new IsolatedEnvironment();
        await env.InitializeAsync();
        try
        {
            await using var owner = new NpgsqlConnection(env.Database.MigrationConnectionString);
            await owner.OpenAsync();
            await owner.ExecuteAsync("SET maintenance_work_mem = '1GB'");
            var versionIds = await FillVersionsAsync(owner, versions);
            var (indexes, foreignKeys) = await DropIndexesAsync(owner);

            var fill = Stopwatch.StartNew();
            await FillEndpointsAsync(owner, endpoints);
            var ends = await FillIntervalsAsync(owner, endpoints, perEndpoint, versionIds);
            fill.Stop();
            Console.WriteLine($"fill: {perEndpoint * endpoints:N0} intervals by binary COPY in {fill.Elapsed.TotalSeconds:F1} s " +
                $"({perEndpoint * endpoints / fill.Elapsed.TotalSeconds:N0}/s; 10 % of them unregistered, version_id null)");

            foreach (var (name, definition) in indexes)
            {
                var build = Stopwatch.StartNew();
                await owner.ExecuteAsync(definition, commandTimeout: 0);
                Console.WriteLine($"index {name}: built in {build.Elapsed.TotalSeconds:F1} s");
            }
            var constraints = Stopwatch.StartNew();
            foreach (var (name, definition) in foreignKeys)
                await owner.ExecuteAsync($"ALTER TABLE registry.deployment_intervals ADD CONSTRAINT {name} {definition}", commandTimeout: 0);
            await owner.ExecuteAsync("ANALYZE registry.deployment_intervals", commandTimeout: 0);
            Console.WriteLine($"foreign keys validated and table analyzed in {constraints.Elapsed.TotalSeconds:F1} s; table " +
                await owner.ExecuteScalarAsync<string>("SELECT pg_size_pretty(pg_table_size('registry.deployment_intervals'))") + ", GiST index " +
                await owner.ExecuteScalarAsync<string>("SELECT pg_size_pretty(pg_relation_size('registry.deployment_intervals_endpoint_served'))"));

            await ProbeAsync(env.DataSource, endpoints, ends, probes);
            return 0;
        }
        finally
        {
            await env.DisposeAsync();
        }
    }

    private static string Endpoint(int e) => $"endpoint-{e:D5}";

    private static async Task<Guid[]> FillVersionsAsync(NpgsqlConnection owner, int versions)
    {
        var clock = Stopwatch.StartNew();
        var models = Math.Max(1, versions / VersionsPerModel);
        var modelIds = Enumerable.Range(0, models).Select(_ => Guid.CreateVersion7()).ToArray();
        await using (var import = await owner.BeginBinaryImportAsync(
            "COPY registry.models (model_id, name, owner_team, risk_tier, next_version) FROM STDIN (FORMAT BINARY)"))
        {
            for (var m = 0; m < models; m++)
                await import.WriteRowAsync(default, modelIds[m], $"bench-model-{m:D4}", "bench", "medium", VersionsPerModel + 1);
            await import.CompleteAsync();
        }
        var versionIds = new Guid[models * VersionsPerModel];
        await using (var import = await owner.BeginBinaryImportAsync("""
            COPY registry.model_versions (version_id, model_id, version, manifest_digest, idempotency_key, owner_team, risk_tier, trained_at)
            FROM STDIN (FORMAT BINARY)
            """))
        {
            for (var i = 0; i < versionIds.Length; i++)
            {
                versionIds[i] = Guid.CreateVersion7();
                await import.StartRowAsync();
                await import.WriteAsync(versionIds[i], NpgsqlDbType.Uuid);
                await import.WriteAsync(modelIds[i / VersionsPerModel], NpgsqlDbType.Uuid);
                await import.WriteAsync(i % VersionsPerModel + 1, NpgsqlDbType.Integer);
                await import.WriteAsync(Digest(i), NpgsqlDbType.Text);
                await import.WriteAsync($"bench-{i}", NpgsqlDbType.Text);
                await import.WriteAsync("bench", NpgsqlDbType.Text);
                await import.WriteAsync("medium", NpgsqlDbType.Text);
                await import.WriteAsync(Start, NpgsqlDbType.TimestampTz);
            }
            await import.CompleteAsync();
        }
        Console.WriteLine($"versions: {models:N0} models and {versionIds.Length:N0} versions by COPY in {clock.Elapsed.TotalSeconds:F1} s");
        return versionIds;
    }

    private static string Digest(int version) => "sha256:" + version.ToString("x64");

    /// <summary>Drops the history table's indexes and foreign keys (a bulk load's usual recipe); returns how to make them again.</summary>
    private static async Task<(List<(string, string)> Indexes, List<(string, string)> ForeignKeys)> DropIndexesAsync(NpgsqlConnection owner)
    {
        var foreignKeys = (await owner.QueryAsync<(string, string)>("""
            SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint
            WHERE conrelid = 'registry.deployment_intervals'::regclass AND contype = 'f' ORDER BY conname
            """)).ToList();
        var indexes = (await owner.QueryAsync<(string, string)>("""
            SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = 'registry' AND tablename = 'deployment_intervals' ORDER BY indexname
            """)).ToList();
        foreach (var (name, _) in foreignKeys) await owner.ExecuteAsync($"ALTER TABLE registry.deployment_intervals DROP CONSTRAINT {name}");
        foreach (var (name, _) in indexes) await owner.ExecuteAsync($"DROP INDEX registry.{name}");
        return (indexes, foreignKeys);
    }

    private static async Task FillEndpointsAsync(NpgsqlConnection owner, int endpoints)
    {
        await using var import = await owner.BeginBinaryImportAsync(
            "COPY registry.endpoints (endpoint_id, environment, first_seen_at, last_event_at) FROM STDIN (FORMAT BINARY)");
        for (var e = 0; e < endpoints; e++)
            await import.WriteRowAsync(default, Endpoint(e), e % 3 == 0 ? "production" : "staging", Start, Start);
        await import.CompleteAsync();
    }

    /// <summary>
    /// Each endpoint's history: one deployment after another from 2020-01-01, each serving 1 to 72 hours, the last still
    /// serving; every fifth a canary at 10 % beside the main one. Returns each endpoint's latest start, for the probes.
    /// </summary>
    private static async Task<DateTime[]> FillIntervalsAsync(NpgsqlConnection owner, int endpoints, int perEndpoint, Guid[] versionIds)
    {
        var random = new Random(12);
        var latest = new DateTime[endpoints];
        await using var import = await owner.BeginBinaryImportAsync("""
            COPY registry.deployment_intervals (endpoint_id, environment, deployment_id, version_id, model_name, version, manifest_digest,
                traffic_percent, served, source, closed_by) FROM STDIN (FORMAT BINARY)
            """);
        import.Timeout = TimeSpan.Zero;
        for (var e = 0; e < endpoints; e++)
        {
            var endpoint = Endpoint(e);
            var environment = e % 3 == 0 ? "production" : "staging";
            var from = Start.AddMinutes(random.Next(0, 1440));
            for (var k = 0; k < perEndpoint; k++)
            {
                var to = from.AddMinutes(random.Next(60, 72 * 60));
                var open = k == perEndpoint - 1;
                var canary = k % 5 == 4 && !open;
                var v = random.Next(versionIds.Length);
                var registered = random.Next(10) != 0;
                await import.StartRowAsync();
                await import.WriteAsync(endpoint, NpgsqlDbType.Text);
                await import.WriteAsync(environment, NpgsqlDbType.Text);
                await import.WriteAsync($"deploy-{k}", NpgsqlDbType.Text);
                if (registered) await import.WriteAsync(versionIds[v], NpgsqlDbType.Uuid);
                else await import.WriteNullAsync();
                await import.WriteAsync($"bench-model-{v / VersionsPerModel:D4}", NpgsqlDbType.Text);
                await import.WriteAsync(v % VersionsPerModel + 1, NpgsqlDbType.Integer);
                await import.WriteAsync(Digest(registered ? v : versionIds.Length + k), NpgsqlDbType.Text);
                await import.WriteAsync(canary ? 10.0 : 100.0, NpgsqlDbType.Double);
                await import.WriteAsync(open ? new NpgsqlRange<DateTime>(from, true, false, default, false, true) : new NpgsqlRange<DateTime>(from, true, to, false),
                    NpgsqlDbType.TimestampTzRange);
                await import.WriteAsync("reported", NpgsqlDbType.Text);
                if (open) await import.WriteNullAsync();
                else await import.WriteAsync("replaced", NpgsqlDbType.Text);
                // A canary overlaps the next main deployment instead of following it.
                if (!canary) from = to;
            }
            latest[e] = from;
        }
        await import.CompleteAsync();
        return latest;
    }

    private static async Task ProbeAsync(NpgsqlDataSource dataSource, int endpoints, DateTime[] latest, int probes)
    {
        var random = new Random(34);
        (string, DateTimeOffset) Probe()
        {
            var e = random.Next(endpoints);
            var span = (latest[e] - Start).Ticks + TimeSpan.FromDays(2).Ticks;
            return (Endpoint(e), new DateTimeOffset(Start.AddTicks((long)(random.NextDouble() * span)), TimeSpan.Zero));
        }

        await using var connection = await dataSource.OpenConnectionAsync();
        var (planEndpoint, planAt) = Probe();
        var plan = await connection.QueryAsync<string>("EXPLAIN (ANALYZE, BUFFERS) " + DeploymentQueries.TraceSql,
            new { Endpoint = planEndpoint, At = planAt.UtcDateTime });
        Console.WriteLine("plan of one probe:\n  " + string.Join("\n  ", plan));

        for (var i = 0; i < Math.Min(probes, 2_000); i++) // warm-up: JIT, plan cache, the index's upper levels in shared buffers
        {
            var (e, at) = Probe();
            await DeploymentQueries.TraceAsync(connection, e, at, default);
        }
        var timings = new List<double>(probes);
        var found = 0L;
        var all = Stopwatch.StartNew();
        for (var i = 0; i < probes; i++)
        {
            var (e, at) = Probe();
            var one = Stopwatch.StartNew();
            found += (await DeploymentQueries.TraceAsync(connection, e, at, default)).Count;
            timings.Add(one.Elapsed.TotalMilliseconds);
        }
        timings.Sort();
        Console.WriteLine($"trace: {probes:N0} probes in {all.Elapsed.TotalSeconds:F2} s, {found / (double)probes:F2} intervals per answer: " +
            $"p50 {Args.Percentile(timings, 0.50):F3} ms  p99 {Args.Percentile(timings, 0.99):F3} ms  max {timings[^1]:F3} ms  (target: p99 <= 5 ms)");
    }
}
