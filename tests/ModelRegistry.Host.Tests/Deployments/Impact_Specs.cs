using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using ModelRegistry.Cli;
using ModelRegistry.Contracts;
using ModelRegistry.Contracts.Deployments;
using ModelRegistry.Testing;
using static ModelRegistry.Host.Tests.Deployments.ReproduceSteps;

namespace ModelRegistry.Host.Tests.Deployments;

/// <summary>
/// The registry of these specs, registered through the pipeline and deployed through the broker:
/// <code>
/// impact-base      trained on reviews@2026-01 at commit A   serving impact.staging (staging, 100 %)
/// impact-ft        fine-tuned from impact-base:1, other data, commit B   serving impact.prod-a (production, 90 %) and impact.prod-b (10 %)
/// impact-ft2       fine-tuned from impact-ft:1, other data, commit B     served impact.old, undeployed
/// impact-unrelated other data, commit C                                  serving impact.prod-b (90 %)
/// </code>
/// </summary>
public sealed class Impact_Specs(Impact_Specs.Registry fixture) : IClassFixture<Impact_Specs.Registry>
{
    private const string CommitA = "aaaaaaa0123456789abcdef0123456789abcdef0";
    private const string CommitB = "bbbbbbb0123456789abcdef0123456789abcdef0";
    private const string CommitC = "ccccccc0123456789abcdef0123456789abcdef0";

    private static readonly DatasetRef Reviews = new() { Name = "impact-reviews", Version = "2026-01", Digest = Digest("impact-reviews-2026-01") };
    private static readonly DatasetRef Other = new() { Name = "impact-other", Version = "1", Digest = Digest("impact-other-1") };

    /// <summary>A running registry seeded once for the class.</summary>
    public sealed class Registry : IAsyncLifetime
    {
        public RunningRegistry Running { get; } = new();

        public async Task InitializeAsync()
        {
            await Running.InitializeAsync();
            var steps = new ReproduceSteps(Running);
            await steps.RegisterAsync(Trained("impact-base", Reviews, CommitA, null));
            await steps.RegisterAsync(Trained("impact-ft", Other, CommitB, new BaseModelRef { Name = "impact-base", Version = 1 }));
            await steps.RegisterAsync(Trained("impact-ft2", Other, CommitB, new BaseModelRef { Name = "impact-ft", Version = 1 }));
            await steps.RegisterAsync(Trained("impact-unrelated", Other, CommitC, null));
            var at = Now().AddMinutes(-5);
            await steps.DeployAsync(Deployed("stg-1", "impact.staging", "staging", at, model: "impact-base", version: 1));
            await steps.DeployAsync(Deployed("prod-a-1", "impact.prod-a", "production", at, model: "impact-ft", version: 1, traffic: 90));
            await steps.DeployAsync(Deployed("prod-b-1", "impact.prod-b", "production", at, model: "impact-ft", version: 1, traffic: 10));
            await steps.DeployAsync(Deployed("prod-b-2", "impact.prod-b", "production", at, model: "impact-unrelated", version: 1, traffic: 90));
            await steps.DeployAsync(Deployed("old-1", "impact.old", "staging", at, model: "impact-ft2", version: 1));
            await steps.UndeployAsync(new ModelUndeployed { DeploymentId = "old-1", EndpointId = "impact.old", Environment = "staging", UndeployedAt = at.AddMinutes(1) });
        }

        public Task DisposeAsync() => Running.DisposeAsync();

        private ModelTrained Trained(string model, DatasetRef dataset, string commit, BaseModelRef? baseModel)
        {
            var trained = Running.Pipeline.Trained(model, "run-1", baseModel: baseModel) with { RiskTier = "low" };
            return trained with { Lineage = trained.Lineage! with { Datasets = [dataset], CodeCommit = commit } };
        }
    }

    private CliSettings Settings => new ReproduceSteps(fixture.Running).Settings;

    private Task<(int Exit, JsonElement Json)> ImpactAsync(string? dataset = null, string? commit = null, string? baseModel = null) =>
        RunAsync(w => ImpactCommand.RunAsync(Settings, dataset, commit, baseModel, json: true, w, default));

    /// <summary>"model/version depth built-from" per version, in the report's order.</summary>
    private static List<string> Versions(JsonElement report) => report.GetProperty("versions").EnumerateArray()
        .Select(v => $"{v.GetProperty("model").GetString()}/{v.GetProperty("version").GetInt32()} {v.GetProperty("depth").GetInt32()} "
            + $"{(v.GetProperty("builtFrom").ValueKind == JsonValueKind.Null ? "-" : v.GetProperty("builtFrom").GetString())}").ToList();

    private static List<string> ServingNow(JsonElement report, string model) => report.GetProperty("versions").EnumerateArray()
        .Single(v => v.GetProperty("model").GetString() == model).GetProperty("servingNow").EnumerateArray()
        .Select(s => $"{s.GetProperty("endpoint").GetString()} {s.GetProperty("environment").GetString()} {s.GetProperty("trafficPercent").GetDouble()}")
        .ToList();

    [Fact]
    public async Task A_data_set_lists_the_versions_trained_on_it_directly_and_through_base_models_with_where_each_serves_now()
    {
        var (exit, report) = await ImpactAsync(dataset: Reviews.Digest);

        Assert.Equal(0, exit);
        Assert.Equal(["impact-base/1 0 -", "impact-ft/1 1 impact-base:1", "impact-ft2/1 2 impact-ft:1"], Versions(report));
        Assert.Equal(["impact.staging staging 100"], ServingNow(report, "impact-base"));
        Assert.Equal(["impact.prod-a production 90", "impact.prod-b production 10"], ServingNow(report, "impact-ft"));
        Assert.Empty(ServingNow(report, "impact-ft2"));
        Assert.All(report.GetProperty("versions").EnumerateArray(), v => Assert.Equal("registered", v.GetProperty("stage").GetString()));
    }

    [Theory]
    [InlineData("impact-reviews@2026-01")]
    [InlineData("impact-reviews")]
    public async Task A_data_set_given_by_name_or_name_and_version_matches_the_same_versions(string dataset)
    {
        var (exit, report) = await ImpactAsync(dataset: dataset);

        Assert.Equal(0, exit);
        Assert.Equal(["impact-base/1 0 -", "impact-ft/1 1 impact-base:1", "impact-ft2/1 2 impact-ft:1"], Versions(report));
    }

    [Fact]
    public async Task A_commit_abbreviated_lists_the_versions_trained_at_it_and_their_fine_tunes()
    {
        var (exit, report) = await ImpactAsync(commit: CommitB[..7].ToUpperInvariant());

        Assert.Equal(0, exit);
        Assert.Equal(["impact-ft/1 0 impact-base:1", "impact-ft2/1 0 impact-ft:1"], Versions(report));
        Assert.Equal(["impact.prod-a production 90", "impact.prod-b production 10"], ServingNow(report, "impact-ft"));
    }

    [Fact]
    public async Task A_base_model_lists_what_was_built_from_it_not_itself()
    {
        var (allExit, all) = await ImpactAsync(baseModel: "impact-base");
        var (oneExit, one) = await ImpactAsync(baseModel: "impact-ft:1");

        Assert.Equal((0, 0), (allExit, oneExit));
        Assert.Equal(["impact-ft/1 1 impact-base:1", "impact-ft2/1 2 impact-ft:1"], Versions(all));
        Assert.Equal(["impact-ft2/1 1 impact-ft:1"], Versions(one));
    }

    [Fact]
    public async Task What_names_nothing_registered_exits_1_and_bad_arguments_exit_2()
    {
        Assert.Equal(1, (await ImpactAsync(dataset: Digest("never-used"))).Exit);
        Assert.Equal(1, (await ImpactAsync(commit: "0000000")).Exit);
        Assert.Equal(1, (await ImpactAsync(baseModel: "impact-base:2")).Exit);
        Assert.Equal(2, (await ImpactAsync(commit: "xyz")).Exit);
        Assert.Equal(2, (await ImpactAsync(dataset: Reviews.Digest, commit: CommitA)).Exit);
        Assert.Equal(2, (await ImpactAsync()).Exit);
    }

    [Fact]
    public async Task The_text_output_names_each_version_how_it_was_built_and_where_it_serves()
    {
        var output = new StringWriter();
        Assert.Equal(0, await ImpactCommand.RunAsync(Settings, "impact-reviews@2026-01", null, null, json: false, output, default));

        var lines = output.ToString().Split('\n');
        Assert.Equal("impact of dataset impact-reviews@2026-01: 3 version(s), 2 serving now on 3 endpoint(s)", lines[0]);
        Assert.Contains(lines, l => l.StartsWith("impact-ft/1 ", StringComparison.Ordinal) && l.Contains("fine-tuned from impact-base:1")
            && l.EndsWith("impact.prod-a (production, 90%), impact.prod-b (production, 10%)", StringComparison.Ordinal));
    }

    private static string Digest(string of) => "sha256:" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(of)));
}
