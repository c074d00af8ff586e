using System.Text.Json;
using Dapper;
using ModelRegistry.Cli;
using ModelRegistry.Contracts;
using ModelRegistry.Platform.Artifacts;
using ModelRegistry.Retention;
using ModelRegistry.Testing;

namespace ModelRegistry.Host.Tests.Retention;

/// <summary>
/// <c>mreg storage report</c> against a real host's store: versions registered with files, some sharing bytes, one archived
/// (its objects moved to the archive tier as the archive action moves them) and one deleted (bytes gone, tombstones left).
/// The totals are the sizes of the files on the disks, each object once; shared bytes count for the earliest-registered version.
/// </summary>
public class StorageReportCli_Specs(RunningRegistry registry) : IClassFixture<RunningRegistry>
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(60);

    private static byte[] Bytes(int size, byte seed) => Enumerable.Range(0, size).Select(i => (byte)(i * 31 + seed)).ToArray();

    private async Task<Guid> RegisterAsync(string model, string team, string run, params (string Path, string Role, byte[] Content)[] files)
    {
        var trained = registry.Pipeline.Trained(model, run) with
        {
            OwnerTeam = team,
            Artifact = new ArtifactManifest { Files = [.. files.Select(f => registry.Pipeline.WriteFile($"{model}/{run}", f.Path, f.Role, f.Content))] },
        };
        await registry.Observer.PublishAsync(trained);
        return (await registry.Observer.WaitForAsync<ModelVersionRegistered>(e => e.ModelName == model && e.TrainingRunId == run, Wait)).ModelVersionId;
    }

    private static long SizeOfFiles(string folder) =>
        Directory.Exists(folder) ? new DirectoryInfo(folder).EnumerateFiles("*", SearchOption.AllDirectories).Sum(f => f.Length) : 0;

    [Fact]
    public async Task The_totals_match_the_bytes_on_disk_each_object_once()
    {
        var (shared, a2, c, cConfig, d, dConfig) = (Bytes(1_000, 1), Bytes(2_000, 2), Bytes(3_000, 3), Bytes(300, 4), Bytes(4_000, 5), Bytes(400, 6));
        var config = """{"layers": 12}"""u8.ToArray();
        await RegisterAsync("store-a", "team-vision", "run-1", ("model.bin", "weights", shared), ("config.json", "config", config));
        var a2Id = await RegisterAsync("store-a", "team-vision", "run-2", ("model.bin", "weights", a2), ("config.json", "config", config));
        // Shares both objects with store-a v1, registered before it: its bytes count for store-a (team-vision).
        await RegisterAsync("store-b", "team-nlp", "run-1", ("model.bin", "weights", shared), ("config.json", "config", config));
        var cId = await RegisterAsync("store-c", "team-nlp", "run-1", ("model.bin", "weights", c), ("config.json", "config", cConfig));
        var dId = await RegisterAsync("store-d", "team-nlp", "run-1", ("model.bin", "weights", d), ("config.json", "config", dConfig));

        var store = new ContentAddressedStore(new ArtifactStoreOptions { Root = registry.ArtifactsRoot });
        string Sha(byte[] bytes) => Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(bytes));
        // store-c v1 archived: its objects moved to the archive tier; store-d v1 deleted: bytes gone, a tombstone per file.
        foreach (var bytes in new[] { c, cConfig })
        {
            Directory.CreateDirectory(Path.GetDirectoryName(store.ArchivePath(Sha(bytes)))!);
            File.Move(store.ObjectPath(Sha(bytes)), store.ArchivePath(Sha(bytes)));
        }
        foreach (var bytes in new[] { d, dConfig }) File.Delete(store.ObjectPath(Sha(bytes)));
        var at = DateTime.UtcNow.AddMinutes(-1);
        await using (var db = await registry.DataSource.OpenConnectionAsync())
            await db.ExecuteAsync("""
                INSERT INTO registry.version_retention (version_id, state, archived_at, archive_rule, archive_sweep, deleted_at, delete_rule, delete_sweep)
                VALUES (@c, 'archived', @at, 'experiments', @sweep, NULL, NULL, NULL),
                       (@d, 'deleted', @at, 'experiments', @sweep, @at, 'experiments', @sweep);
                INSERT INTO registry.artifact_tombstones (version_id, path, sha256, size, deleted_at, rule, sweep_id, reason)
                SELECT version_id, path, sha256, size, @at, 'experiments', @sweep, 'archived 30 days ago' FROM registry.artifact_files WHERE version_id = @d;
                INSERT INTO registry.version_stages (version_id, model_id, version, stage, since, cause, cause_id)
                SELECT version_id, model_id, version, 'staging', @at, 'promotion', @sweep FROM registry.model_versions WHERE version_id = @a2;
                """, new { c = cId, d = dId, a2 = a2Id, at, sweep = Guid.NewGuid() });

        var settings = new CliSettings(registry.As(BrokerUsers.Operator), registry.Database, new ArtifactStoreOptions { Root = registry.ArtifactsRoot });
        var (exit, report, _) = await Cli_Specs.RunAsync(w => StorageCommand.ReportAsync(settings, new RetentionOptions(), json: true, w, default));

        Assert.Equal(0, exit);
        var onDisk = (Stored: SizeOfFiles(Path.Combine(registry.ArtifactsRoot, "objects")), Archived: SizeOfFiles(Path.Combine(registry.ArtifactsRoot, "archive", "objects")));
        Assert.Equal((1_000L + 2_000 + config.Length, 3_300L), onDisk);
        Assert.Equal((onDisk.Stored, onDisk.Archived, 4_400L),
            (report.GetProperty("storedBytes").GetInt64(), report.GetProperty("archivedBytes").GetInt64(), report.GetProperty("deletedBytes").GetInt64()));

        var teams = Lines(report, "byTeam");
        Assert.Equal(new Dictionary<string, (long, long, long)> { ["team-nlp"] = (0, 3_300, 4_400), ["team-vision"] = (onDisk.Stored, 0, 0) }, teams);
        var stages = Lines(report, "byStage");
        Assert.Equal(new Dictionary<string, (long, long, long)> { ["registered"] = (1_000 + config.Length, 3_300, 4_400), ["staging"] = (2_000, 0, 0) }, stages);
        // Largest first (store-c: 3,300 archived; store-a: 3,014 stored); store-b has no bytes of its own, store-d none left.
        Assert.Equal(["store-c", "store-a"], report.GetProperty("topModels").EnumerateArray().Select(l => l.GetProperty("key").GetString()));
        Assert.Equal(Math.Round((onDisk.Stored * 0.023m + 3_300 * 0.004m) / 1_000_000_000m, 4), report.GetProperty("monthlyCost").GetDecimal());
        var thisMonth = report.GetProperty("growth").EnumerateArray().Last();
        Assert.Equal((onDisk.Stored, 3_300L, 4_400L),
            (thisMonth.GetProperty("storedBytes").GetInt64(), thisMonth.GetProperty("archivedBytes").GetInt64(), thisMonth.GetProperty("deletedBytes").GetInt64()));

        var (textExit, _, text) = await Cli_Specs.RunAsync(w => StorageCommand.ReportAsync(settings, new RetentionOptions(), json: false, w, default));
        Assert.Equal(0, textExit);
        Assert.Contains($"{"total",-32}  {onDisk.Stored.ToString("N0", System.Globalization.CultureInfo.InvariantCulture),18}  {"3,300",18}  {"4,400",18}", text);
    }

    private static Dictionary<string, (long, long, long)> Lines(JsonElement report, string name) =>
        report.GetProperty(name).EnumerateArray().ToDictionary(l => l.GetProperty("key").GetString()!,
            l => (l.GetProperty("storedBytes").GetInt64(), l.GetProperty("archivedBytes").GetInt64(), l.GetProperty("deletedBytes").GetInt64()));
}
