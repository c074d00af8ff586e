using ModelRegistry.Cli;
using ModelRegistry.Platform.Audit;
using ModelRegistry.Testing;

namespace ModelRegistry.Host.Tests;

/// <summary>A host running the audit worker signs checkpoints on its Quartz schedule, to the stream and the file.</summary>
public sealed class AuditCheckpointSchedule_Specs(AuditCheckpointSchedule_Specs.CheckpointingRegistry registry)
    : IClassFixture<AuditCheckpointSchedule_Specs.CheckpointingRegistry>
{
    public sealed class CheckpointingRegistry : RunningRegistry
    {
        public string CheckpointFile { get; } = Path.Combine(Path.GetTempPath(), $"mreg-checkpoints-{Guid.NewGuid():N}.jsonl");

        public override IReadOnlyDictionary<string, string> HostEnvironment => new Dictionary<string, string>(EnvironmentVariables)
        {
            ["Audit__CheckpointSchedule"] = "*/2 * * * * ?",
            ["Audit__CheckpointFile"] = CheckpointFile,
        };

        public override async Task DisposeAsync()
        {
            await base.DisposeAsync();
            File.Delete(CheckpointFile);
        }
    }

    [Fact]
    public async Task Scheduled_checkpoints_reach_the_file_and_the_stream_and_verify_against_the_log()
    {
        var written = await Eventually.UntilAsync(() => Task.FromResult(File.Exists(registry.CheckpointFile) ? AuditCheckpointFile.Read(registry.CheckpointFile).Count : 0),
            count => count >= 2, TimeSpan.FromSeconds(60), "two scheduled checkpoints in the file");
        Assert.True(written >= 2);

        // The file and the stream are written one after the other: verify until both hold two (each read of the stream
        // ends once nothing more arrives for 2 s), then hold the verdict.
        var (exit, text) = (0, "");
        await Eventually.UntilAsync(async () =>
        {
            using var output = new StringWriter();
            exit = await AuditCheckpointCommands.VerifyAsync(registry.Cli(), new AuditVerifyRequest
            {
                CheckpointFiles = [registry.CheckpointFile], FromBroker = true, PublicKeyFiles = [TestCheckpointKey.PublicKeyFile],
            }, json: true, output, default);
            text = output.ToString();
            return System.Text.Json.JsonDocument.Parse(text).RootElement.GetProperty("checkpoints").GetProperty("checked").GetInt32();
        }, checkedCount => checkedCount >= 4, TimeSpan.FromSeconds(60), "two checkpoints each in the file and in the stream");

        Assert.True(exit == 0, text);
        var checkpoints = System.Text.Json.JsonDocument.Parse(text).RootElement.GetProperty("checkpoints");
        Assert.True(checkpoints.GetProperty("checked").GetInt32() >= 4, text); // each in the file and in the stream
        Assert.Equal(checkpoints.GetProperty("checked").GetInt32(), checkpoints.GetProperty("ok").GetInt32());
    }
}
