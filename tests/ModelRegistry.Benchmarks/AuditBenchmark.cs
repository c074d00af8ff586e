using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Dapper;
using ModelRegistry.Platform.Audit;
using ModelRegistry.Testing;
using Npgsql;
using NpgsqlTypes;

namespace ModelRegistry.Benchmarks;

/// <summary>
/// The audit log: appends/s from concurrent writers (each append its own committed transaction, as a business
/// transaction would), then a bulk load to N records, then <see cref="AuditReader.VerifyAsync(CancellationToken)"/> over
/// all of them, in this warm process and as the real <c>mreg audit verify</c> (a fresh process each round, started through
/// the repository's <c>./mreg</c> wrapper); plus the pure chain check in memory, to separate hashing from reading.
/// </summary>
internal static class AuditBenchmark
{
    private static readonly string Repo = Path.GetFullPath(Path.Combine(AppContext.BaseDirectory, "../../../../.."));
    private static readonly DateTimeOffset Epoch = new(2024, 1, 1, 0, 0, 0, TimeSpan.Zero);
    private static readonly string[] Actions = ["version.registered", "evaluation.recorded", "promotion.requested", "approval.accepted",
        "approval.refused", "stage.changed", "rollback.requested", "deployment.started", "retention.archived"];
    private static readonly string[] Stages = ["registered", "staging", "shadow", "canary", "production", "retired"];

    public static async Task<int> RunAsync(string[] args)
    {
        var records = Args.Int(args, "--records", 1_000_000);
        var writers = Args.Int(args, "--writers", 4);
        var appends = Args.Int(args, "--appends", 2000);
        var rounds = Args.Int(args, "--rounds", 3);
        var inMemory = Math.Min(records, Args.Int(args, "--in-memory", 200_000));
        Console.WriteLine($"audit: {writers} writers x {appends} appends per round, {records} records verified, {rounds} rounds, {Environment.ProcessorCount} cores");

        var env = new IsolatedEnvironment();
        await env.InitializeAsync();
        try
        {
            await using (var c = await env.DataSource.OpenConnectionAsync())
            {
                Console.WriteLine($"postgres: synchronous_commit={await c.ExecuteScalarAsync<string>("SHOW synchronous_commit")}, " +
                    $"fsync={await c.ExecuteScalarAsync<string>("SHOW fsync")}");
            }

            // Warm-up, not timed: JIT, connection pool, prepared statements.
            await AppendAsync(env, writers, writers * 25);

            var rates = new List<double>();
            var p50s = new List<double>();
            var p99s = new List<double>();
            for (var round = 1; round <= rounds; round++)
            {
                var (rate, p50, p99) = await AppendAsync(env, writers, appends);
                Console.WriteLine($"round {round}: appends {rate,8:F0}/s with {writers} writers  p50 {p50,6:F2} ms  p99 {p99,6:F2} ms");
                rates.Add(rate);
                p50s.Add(p50);
                p99s.Add(p99);
            }
            var (single, singleP50, _) = await AppendAsync(env, 1, appends / 2);
            Console.WriteLine($"one writer: appends {single,8:F0}/s  p50 {singleP50,6:F2} ms");

            var (loaded, total, loadSeconds) = await BulkLoadAsync(env, records);
            Console.WriteLine($"bulk load: {loaded} records by COPY in {loadSeconds:F1} s ({loaded / Math.Max(loadSeconds, 1e-9):F0}/s, chain built and hashed in memory)");

            var verifyRates = new List<double>();
            for (var round = 1; round <= rounds; round++)
            {
                var report = await new AuditReader(env.DataSource).VerifyAsync();
                if (!report.Verification.Ok || report.Verification.Verified != total)
                    throw new InvalidOperationException($"verify: expected {total} intact records, got {report.Verification}");
                Console.WriteLine($"round {round}: verify {report.Verification.Verified} records in {report.Elapsed.TotalSeconds:F2} s = {report.RecordsPerSecond,9:F0} records/s (read from PostgreSQL and checked)");
                verifyRates.Add(report.RecordsPerSecond);
            }

            // The figure people see: a fresh `mreg audit verify` per round, JIT and connection included in the wall clock.
            var cliWallRates = new List<double>();
            var cliReportedRates = new List<double>();
            var cliRss = new List<double>();
            for (var round = 1; round <= rounds; round++)
            {
                var cli = await RunCliVerifyAsync(env, total);
                Console.WriteLine($"round {round}: mreg audit verify (fresh process) {total} records: process {cli.Seconds:F2} s = {total / cli.Seconds,9:F0} records/s, " +
                    $"reported {cli.ReportedRate,9:F0} records/s, max resident {cli.MaxResidentMiB:F0} MiB");
                cliWallRates.Add(total / cli.Seconds);
                cliReportedRates.Add(cli.ReportedRate);
                cliRss.Add(cli.MaxResidentMiB);
            }

            var memoryRates = new List<double>();
            var chain = BuildChain(inMemory);
            for (var round = 1; round <= rounds; round++)
            {
                var start = Stopwatch.GetTimestamp();
                var result = AuditChain.Verify(chain);
                var seconds = Stopwatch.GetElapsedTime(start).TotalSeconds;
                if (!result.Ok) throw new InvalidOperationException(result.Reason);
                memoryRates.Add(inMemory / seconds);
            }
            Console.WriteLine($"in memory: verify {inMemory} records: {Args.Median(memoryRates):F0} records/s (canonical form + SHA-256 only)");

            Console.WriteLine($"median: appends {Args.Median(rates):F0}/s with {writers} writers (p50 {Args.Median(p50s):F2} ms, p99 {Args.Median(p99s):F2} ms), " +
                $"verify {Args.Median(verifyRates):F0} records/s over {total} in this process, " +
                $"mreg audit verify {Args.Median(cliWallRates):F0} records/s per fresh process (its own report {Args.Median(cliReportedRates):F0}, max resident {Args.Median(cliRss):F0} MiB), " +
                $"in-memory verify {Args.Median(memoryRates):F0} records/s; " +
                $"peak working set {Process.GetCurrentProcess().PeakWorkingSet64 / (1024 * 1024)} MiB");
            return 0;
        }
        finally
        {
            await env.DisposeAsync();
        }
    }

    /// <summary>
    /// Runs <c>./mreg audit verify --json</c> against the benchmark's database under <c>/usr/bin/time</c>: the process's wall
    /// clock from start to exit, the records/s it reports (its reading and checking only) and its peak resident memory.
    /// </summary>
    private static async Task<(double Seconds, double ReportedRate, double MaxResidentMiB)> RunCliVerifyAsync(IsolatedEnvironment env, long total)
    {
        var info = new ProcessStartInfo("/usr/bin/time", ["-f", "maxrss-kib %M", Path.Combine(Repo, "mreg"), "audit", "verify", "--json"])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var (key, value) in env.EnvironmentVariables) info.Environment[key] = value;
        var start = Stopwatch.GetTimestamp();
        using var process = Process.Start(info) ?? throw new InvalidOperationException("cannot start ./mreg");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        var seconds = Stopwatch.GetElapsedTime(start).TotalSeconds;
        var (output, errors) = (await stdout, await stderr);
        if (process.ExitCode != 0) throw new InvalidOperationException($"mreg audit verify exited {process.ExitCode}: {output}{errors}");
        using var json = JsonDocument.Parse(output);
        var verified = json.RootElement.GetProperty("verified").GetInt64();
        if (verified != total) throw new InvalidOperationException($"mreg audit verify: expected {total} intact records, got {output}");
        var rss = errors.Split('\n').Select(l => l.Trim()).LastOrDefault(l => l.StartsWith("maxrss-kib ", StringComparison.Ordinal));
        var rssMiB = rss is null ? double.NaN : double.Parse(rss["maxrss-kib ".Length..], CultureInfo.InvariantCulture) / 1024;
        return (seconds, json.RootElement.GetProperty("recordsPerSecond").GetDouble(), rssMiB);
    }

    /// <summary>Each writer appends in its own transactions, one record each, as fast as it can.</summary>
    private static async Task<(double Rate, double P50, double P99)> AppendAsync(IsolatedEnvironment env, int writers, int total)
    {
        var latencies = new double[total];
        var next = -1;
        var start = Stopwatch.GetTimestamp();
        await Task.WhenAll(Enumerable.Range(0, writers).Select(w => Task.Run(async () =>
        {
            int i;
            while ((i = Interlocked.Increment(ref next)) < total)
            {
                var began = Stopwatch.GetTimestamp();
                await using var connection = await env.DataSource.OpenConnectionAsync();
                await using var transaction = await connection.BeginTransactionAsync();
                await AuditLog.AppendAsync(connection, transaction, new AuditAppend($"writer-{w}", Actions[i % Actions.Length], "model_version",
                    $"bench-{i % 50}/{i}", $"bench-{i % 50}", new { version = i, stage = Stages[i % Stages.Length], approver = "alice" }),
                    DateTimeOffset.UtcNow, default);
                await transaction.CommitAsync();
                latencies[i] = Stopwatch.GetElapsedTime(began).TotalMilliseconds;
            }
        })));
        var seconds = Stopwatch.GetElapsedTime(start).TotalSeconds;
        Array.Sort(latencies);
        return (total / seconds, Args.Percentile(latencies, 0.50), Args.Percentile(latencies, 0.99));
    }

    /// <summary>
    /// Extends the chain to <paramref name="records"/> with one COPY as the owner role (COPY is an INSERT, so the link
    /// trigger still checks every row), then vacuums so that the reads measure a settled table.
    /// </summary>
    private static async Task<(long Loaded, long Total, double Seconds)> BulkLoadAsync(IsolatedEnvironment env, int records)
    {
        await using var owner = new NpgsqlConnection(env.Database.MigrationConnectionString);
        await owner.OpenAsync();
        var (lastSequence, lastHash) = await owner.QuerySingleOrDefaultAsync<(long, string)>(
            "SELECT sequence, hash FROM registry.audit_log ORDER BY sequence DESC LIMIT 1");
        lastHash ??= AuditChain.Genesis;
        var start = Stopwatch.GetTimestamp();
        long loaded = 0;
        await using (var importer = await owner.BeginBinaryImportAsync("""
            COPY registry.audit_log (sequence, recorded_at, actor, action, subject_type, subject, model_name, details, previous_hash, hash)
            FROM STDIN (FORMAT BINARY)
            """))
        {
            var previous = lastHash;
            for (var sequence = lastSequence + 1; sequence <= records; sequence++)
            {
                var e = Entry(sequence, previous);
                importer.StartRow();
                importer.Write(e.Sequence, NpgsqlDbType.Bigint);
                importer.Write(e.RecordedAt, NpgsqlDbType.TimestampTz);
                importer.Write(e.Actor, NpgsqlDbType.Text);
                importer.Write(e.Action, NpgsqlDbType.Text);
                importer.Write(e.SubjectType, NpgsqlDbType.Text);
                importer.Write(e.Subject, NpgsqlDbType.Text);
                if (e.ModelName is null) importer.WriteNull();
                else importer.Write(e.ModelName, NpgsqlDbType.Text);
                importer.Write(e.DetailsJson, NpgsqlDbType.Jsonb);
                importer.Write(e.PreviousHash, NpgsqlDbType.Text);
                importer.Write(e.Hash, NpgsqlDbType.Text);
                previous = e.Hash;
                loaded++;
            }
            await importer.CompleteAsync();
        }
        var seconds = Stopwatch.GetElapsedTime(start).TotalSeconds;
        await owner.ExecuteAsync("VACUUM (ANALYZE) registry.audit_log", commandTimeout: 600);
        return (loaded, lastSequence + loaded, seconds);
    }

    private static List<AuditEntry> BuildChain(int count)
    {
        var chain = new List<AuditEntry>(count);
        var previous = AuditChain.Genesis;
        for (var sequence = 1; sequence <= count; sequence++)
        {
            var e = Entry(sequence, previous);
            chain.Add(e);
            previous = e.Hash;
        }
        return chain;
    }

    /// <summary>A record the size and shape of a real one: a digest, a stage, an approver, a reason (about 230 bytes of details).</summary>
    private static AuditEntry Entry(long sequence, string previousHash)
    {
        var model = $"model-{sequence % 200}";
        var version = sequence % 97 + 1;
        var details = string.Create(CultureInfo.InvariantCulture,
            $"{{\"version\":{version},\"stage\":\"{Stages[sequence % Stages.Length]}\",\"manifestDigest\":\"sha256:{sequence:x16}{sequence * 7919:x16}{sequence * 104729:x16}{sequence:x16}\",\"approver\":\"approver-{sequence % 13}\",\"reason\":\"scheduled release {sequence % 1000}\",\"score\":0.{sequence % 1000:D3}}}");
        return AuditChain.Create(sequence, previousHash, Epoch.AddTicks(sequence * 123_457), sequence % 5 == 0 ? "svc:retention" : $"user-{sequence % 31}",
            Actions[sequence % Actions.Length], "model_version", $"{model}/{version}", sequence % 11 == 0 ? null : model, details);
    }
}
