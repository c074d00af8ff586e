using System.Text.Json;
using Microsoft.Extensions.Configuration;
using ModelRegistry.Cli;
using ModelRegistry.Cli.Demo;
using ModelRegistry.Platform;
using ModelRegistry.Testing;

namespace ModelRegistry.Host.Tests;

/// <summary>
/// <c>mreg demo</c>, the sample lifecycle, as a newcomer runs it: the real <c>mreg</c> process against a real host configured
/// as ./run.sh configures it (<see cref="DemoRegistry"/>), and the end state read back with <c>mreg</c>.
/// </summary>
public class Demo_Specs(DemoRegistry registry) : IClassFixture<DemoRegistry>
{
    private static readonly TimeSpan DemoTimeout = TimeSpan.FromMinutes(5);
    private static readonly TimeSpan CommandTimeout = TimeSpan.FromMinutes(1);

    private CliSettings Settings => registry.Cli();

    [Fact]
    public async Task The_demo_plays_the_lifecycle_to_the_end_and_a_second_run_adds_a_new_round_of_versions()
    {
        var first = await RunDemoAsync();
        Assert.Contains("[pipeline] trained demo-fraud-scorer (run", first);
        Assert.Contains("fine-tuned from demo-fraud-base v1): 3 files", first);
        Assert.Contains("[ticketing] DEV-", first);
        Assert.Contains("[oncall] demo-fraud-scorer v1 is production again, v2 retired", first);
        // Each actor connected as its own development user, and read the registry's answers from a queue named after it.
        var inboxes = await QueueInspector.InspectAsync(registry.AdminRabbitMq,
            ["mreg-pipeline.demo", "mreg-evaluator.demo", "mreg-operator.demo-release", "mreg-operator.demo-oncall"]);
        Assert.All(inboxes, q => Assert.True(q.Exists, $"{q.Queue} does not exist"));

        // The sample models in their stages: v1 back in production after the rollback, v3 held in staging by the accuracy
        // gate, the churn model in staging after its production approval was rejected.
        var models = await ModelsListAsync();
        Assert.Equal(("medium", "3", "production 1, staging 3"), models["demo-fraud-scorer"]);
        Assert.Equal(("low", "1", "staging 1"), models["demo-churn-predictor"]);
        Assert.Equal(("low", "1", "-"), models["demo-fraud-base"]);

        await AssertVerifiedAsync("demo-fraud-scorer", 2);
        await AssertFineTunedAsync(version: 2, baseVersion: 1);

        // The medium-tier production promotions completed once the demo's ticketing actor approved, signed as the dev integration
        // by a configured approver holding the role; the rushed version failed its gate; the churn model's approval was refused.
        var scorer = await PromotionsAsync("demo-fraud-scorer");
        foreach (var version in new[] { 1, 2 })
        {
            var promotion = await ShowAsync(scorer.Single(p => p.Version == version && p.TargetStage == "production"));
            // The requester is the release manager's broker user (the principal); the name it gave is kept as claimed.
            Assert.Equal(("Promoted", "medium", "mreg-operator", "demo-release-manager"), (promotion.GetProperty("state").GetString(),
                promotion.GetProperty("riskTier").GetString(), promotion.GetProperty("requestedBy").GetString(), promotion.GetProperty("claimedBy").GetString()));
            var vote = Assert.Single(promotion.GetProperty("votes").EnumerateArray());
            Assert.Equal(("dev", "model-risk-officer", true), (vote.GetProperty("integration").GetString(), vote.GetProperty("role").GetString(),
                vote.GetProperty("approved").GetBoolean()));
            Assert.Contains("model-risk-officer", DemoRegistry.DevApprovers[vote.GetProperty("approver").GetString()!]);
        }
        var gated = await ShowAsync(scorer.Single(p => p.Version == 3 && p.TargetStage == "production"));
        Assert.Equal(("Rejected", "gates_failed"), (gated.GetProperty("state").GetString(), gated.GetProperty("outcomeCode").GetString()));
        Assert.Contains("accuracy-v2/accuracy", gated.GetProperty("outcomeMessage").GetString());
        var churn = await ShowAsync((await PromotionsAsync("demo-churn-predictor")).Single(p => p.TargetStage == "production"));
        Assert.Equal(("Rejected", "approval_rejected"), (churn.GetProperty("state").GetString(), churn.GetProperty("outcomeCode").GetString()));
        var refusal = Assert.Single(churn.GetProperty("votes").EnumerateArray());
        Assert.False(refusal.GetProperty("approved").GetBoolean());
        Assert.Contains("model-owner", DemoRegistry.DevApprovers[refusal.GetProperty("approver").GetString()!]);
        Assert.False(string.IsNullOrWhiteSpace(refusal.GetProperty("comment").GetString()));

        // Again: the same three models, a new round of versions after the first one's, and the first round left as it was.
        var second = await RunDemoAsync();
        Assert.Contains("[oncall] demo-fraud-scorer v4 is production again, v5 retired", second);
        models = await ModelsListAsync();
        Assert.Equal(("medium", "6", "production 4, staging 3, 6"), models["demo-fraud-scorer"]);
        Assert.Equal(("low", "2", "staging 1, 2"), models["demo-churn-predictor"]);
        Assert.Equal(("low", "2", "-"), models["demo-fraud-base"]);
        Assert.Equal(3, models.Keys.Count(m => m.StartsWith("demo-", StringComparison.Ordinal)));
        await AssertVerifiedAsync("demo-fraud-scorer", 4);
        await AssertFineTunedAsync(version: 5, baseVersion: 2);
    }

    [Fact]
    public async Task Without_the_dev_ticketing_integration_the_demo_says_what_to_set_in_one_line_and_exits_2()
    {
        var settings = registry.DevEnvironment.Where(s => !s.Key.StartsWith("Ticketing__", StringComparison.Ordinal))
            .ToDictionary(s => s.Key.Replace("__", ":", StringComparison.Ordinal), s => (string?)s.Value);
        using var output = new StringWriter();
        using var errors = new StringWriter();

        var exit = await DemoCommand.RunAsync(new ConfigurationBuilder().AddInMemoryCollection(settings).Build(), TimeSpan.FromSeconds(30), null,
            json: false, output, errors, default);

        Assert.Equal(2, exit);
        var line = Assert.Single(errors.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("mreg demo: the dev ticketing integration is not configured: set Ticketing__Integrations__dev__Secret", line);
        Assert.Contains("Approvers__<person>__Roles__0", line);
        Assert.Equal("", output.ToString());
    }

    [Fact]
    public async Task An_actor_whose_broker_login_is_refused_fails_the_demo_naming_the_user_and_the_settings()
    {
        var settings = registry.DevEnvironment.ToDictionary(s => s.Key.Replace("__", ":", StringComparison.Ordinal), s => (string?)s.Value);
        settings["Demo:PipelinePassword"] = "not-the-password";
        using var output = new StringWriter();
        using var errors = new StringWriter();

        var exit = await DemoCommand.RunAsync(new ConfigurationBuilder().AddInMemoryCollection(settings).Build(), TimeSpan.FromSeconds(30), null,
            json: false, output, errors, default);

        Assert.Equal(DemoCommand.ExitFailed, exit);
        var line = Assert.Single(errors.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("mreg demo: failed: [pipeline] the broker at ", line, StringComparison.Ordinal);
        Assert.Contains("refused the login of user 'mreg-pipeline'", line, StringComparison.Ordinal);
        Assert.Contains("Demo__<Actor>Password", line, StringComparison.Ordinal);
    }

    private async Task<string> RunDemoAsync()
    {
        await using var demo = HostProcess.StartCli(registry.DevEnvironment, "demo");
        var exit = await demo.WaitForExitAsync(DemoTimeout);
        Assert.True(exit == 0, $"mreg demo exited {exit}:\n{demo.Output}");
        Assert.Empty(demo.StandardError);
        Assert.Contains("[demo] done in", demo.Output);
        return demo.Output;
    }

    /// <summary><c>mreg models list</c> as printed: model -> (risk tier, latest version, stages).</summary>
    private async Task<Dictionary<string, (string Risk, string Latest, string Stages)>> ModelsListAsync()
    {
        var text = await MregAsync("models", "list");
        return text.Split('\n', StringSplitOptions.RemoveEmptyEntries).Skip(1).ToDictionary(line => line[..32].TrimEnd(), line =>
        {
            // After the name: team, risk, latest, versions, updated (a UTC time ending in Z), the endpoints serving it (a
            // column of 24; the demo deploys nothing: "-"), then the stages, which hold spaces.
            var columns = line[32..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
            var afterUpdated = line[(line.IndexOf("Z  ", StringComparison.Ordinal) + 3)..];
            Assert.Equal("-", afterUpdated[..24].TrimEnd());
            return (columns[1], columns[2], afterUpdated[26..]);
        });
    }

    private async Task AssertVerifiedAsync(string model, int version)
    {
        var report = await MregAsync("artifact", "verify", model, version.ToString());
        Assert.Contains("verify: ok", report);
        Assert.Equal(3, report.Split('\n').Count(l => l.TrimStart().StartsWith("ok ", StringComparison.Ordinal)));
    }

    private async Task AssertFineTunedAsync(int version, int baseVersion)
    {
        var (exit, shown, _) = await Cli_Specs.RunAsync(w => VersionsCommand.ShowAsync(Settings, "demo-fraud-scorer", version, json: true, w, default));
        Assert.Equal(0, exit);
        var baseModel = shown.GetProperty("lineage").GetProperty("baseModel");
        Assert.Equal(("demo-fraud-base", baseVersion), (baseModel.GetProperty("name").GetString(), baseModel.GetProperty("version").GetInt32()));
        Assert.Equal(["config", "tokenizer", "weights"], shown.GetProperty("files").EnumerateArray().Select(f => f.GetProperty("role").GetString()).Order());
    }

    private async Task<List<(Guid Id, int Version, string TargetStage)>> PromotionsAsync(string model)
    {
        var (exit, listed, _) = await Cli_Specs.RunAsync(w => PromotionsCommand.ListAsync(Settings, model, null, 100, json: true, w, default));
        Assert.Equal(0, exit);
        return listed.EnumerateArray().Select(p => (p.GetProperty("promotionId").GetGuid(), p.GetProperty("version").GetInt32(),
            p.GetProperty("targetStage").GetString()!)).ToList();
    }

    private async Task<JsonElement> ShowAsync((Guid Id, int Version, string TargetStage) promotion)
    {
        var (exit, shown, _) = await Cli_Specs.RunAsync(w => PromotionsCommand.ShowAsync(Settings, promotion.Id.ToString(), json: true, w, default));
        Assert.Equal(0, exit);
        return shown;
    }

    /// <summary>The real <c>mreg</c> process, as a person runs it after the demo; fails unless it exits 0.</summary>
    private async Task<string> MregAsync(params string[] args)
    {
        await using var mreg = HostProcess.StartCli(registry.AsUser(registry.DevEnvironment, BrokerUsers.Operator), args);
        var exit = await mreg.WaitForExitAsync(CommandTimeout);
        Assert.True(exit == 0, $"mreg {string.Join(' ', args)} exited {exit}:\n{mreg.Output}");
        return mreg.Output;
    }
}
