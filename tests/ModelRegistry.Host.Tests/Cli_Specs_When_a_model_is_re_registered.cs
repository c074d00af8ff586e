using System.CommandLine;
using System.Text;
using System.Text.Json;
using ModelRegistry.Cli;
using MassTransit;
using ModelRegistry.Platform;
using ModelRegistry.Contracts;
using ModelRegistry.Testing;
using RabbitMQ.Client;

namespace ModelRegistry.Host.Tests;

/// <summary>
/// The usual case of a retrain: the next version carries the same tag keys with new values. The model's current tags
/// must become the new ones.
/// </summary>
public class Cli_Specs_When_a_model_is_re_registered_with_the_same_tag_keys(CliSeed seed) : IClassFixture<CliSeed>
{
    [Fact]
    public async Task Models_list_and_show_see_the_new_values()
    {
        await seed.RegisterAsync("retrained", "nlp", "low", new() { ["stage"] = "dev" }, Lineage("retrain-1"), ("model.bin", "weights"));
        await seed.RegisterAsync("retrained", "nlp", "low", new() { ["stage"] = "prod", ["owner"] = "alice" }, Lineage("retrain-2"),
            ("model.bin", "weights"));

        var (exit, model, _) = await Cli_Specs.RunAsync(w => ModelsCommand.ShowAsync(seed.Settings, "retrained", json: true, w, default));

        Assert.Equal(0, exit);
        Assert.Equal(2, model.GetProperty("versions").GetArrayLength());
        Assert.Equal("prod", model.GetProperty("tags").GetProperty("stage").GetString());
        Assert.Equal("alice", model.GetProperty("tags").GetProperty("owner").GetString());
        var (_, listed, _) = await Cli_Specs.RunAsync(w => ModelsCommand.ListAsync(seed.Settings, ["stage=dev"], "nlp", json: true, w, default));
        Assert.DoesNotContain("retrained", listed.EnumerateArray().Select(m => m.GetProperty("name").GetString()));
    }

    private static Lineage Lineage(string runId) => new()
    {
        TrainingRunId = runId,
        CodeRepository = "https://git.example/ml/models",
        CodeCommit = "abcdef1",
        Datasets = [new DatasetRef { Name = "common", Version = "1", Digest = "sha256:" + new string('0', 64) }],
    };
}
