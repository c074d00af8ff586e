using ModelRegistry.Cli;
using ModelRegistry.Contracts;
using ModelRegistry.Testing;

namespace ModelRegistry.Host.Tests;

/// <summary>
/// <c>mreg demo ticketing</c>, the demo's ticketing actor left running as a development stand-in for the approvers: a person's own
/// <c>mreg promote --wait</c> after the demo completes once it approves. Real host, real <c>mreg</c> processes.
/// </summary>
public class Demo_ticketing_Specs(DemoRegistry registry) : IClassFixture<DemoRegistry>
{
    private static readonly TimeSpan DemoTimeout = TimeSpan.FromMinutes(5);
    private static readonly TimeSpan CommandTimeout = TimeSpan.FromMinutes(2);

    [Fact]
    public async Task After_the_demo_a_medium_tier_production_promotion_with_wait_completes_once_the_standing_ticketing_actor_approves()
    {
        await using (var demo = HostProcess.StartCli(registry.DevEnvironment, "demo"))
            Assert.True(await demo.WaitForExitAsync(DemoTimeout) == 0, $"mreg demo failed:\n{demo.Output}");

        await using var ticketing = HostProcess.StartCli(registry.DevEnvironment, "demo", "ticketing");
        await ticketing.WaitForOutputAsync("[ticketing] deciding the approval requests in ticketing.dev", TimeSpan.FromSeconds(60));

        // demo-fraud-scorer v3 (medium tier, in staging) failed the production accuracy gate; a re-run of the suite passes it.
        await using (var evaluator = await RegistryObserver.StartAsync(registry.AdminRabbitMq, registry.RabbitMq.Username))
        {
            var rerun = Promotion.PromotionSteps.Evaluation("demo-fraud-scorer", 3, accuracy: 0.9, suite: "accuracy-v2");
            await evaluator.PublishAsync(rerun);
            await evaluator.WaitForAsync<EvaluationRecorded>(e => e.EvaluationId == rerun.EvaluationId, TimeSpan.FromSeconds(60));
        }

        await using var promote = HostProcess.StartCli(registry.AsUser(registry.DevEnvironment, BrokerUsers.Operator), "promote", "demo-fraud-scorer", "3", "--to", "production",
            "--reason", "Accuracy re-run passes the gate.", "--by", "erin", "--wait", "--timeout", "90s");
        var exit = await promote.WaitForExitAsync(CommandTimeout);
        Assert.True(exit == 0, $"mreg promote exited {exit}:\n{promote.Output}\n--- ticketing:\n{ticketing.Output}");

        var (listed, promotions, _) = await Cli_Specs.RunAsync(w => PromotionsCommand.ListAsync(Settings, "demo-fraud-scorer", null, 100, json: true, w, default));
        Assert.Equal(0, listed);
        var id = promotions.EnumerateArray().Single(p => p.GetProperty("version").GetInt32() == 3 && p.GetProperty("targetStage").GetString() == "production"
            && p.GetProperty("state").GetString() == "Promoted").GetProperty("promotionId").GetString()!;
        var (shownExit, shown, _) = await Cli_Specs.RunAsync(w => PromotionsCommand.ShowAsync(Settings, id, json: true, w, default));
        Assert.Equal(0, shownExit);
        Assert.Equal(("Promoted", "medium", "mreg-operator", "erin"), (shown.GetProperty("state").GetString(), shown.GetProperty("riskTier").GetString(),
            shown.GetProperty("requestedBy").GetString(), shown.GetProperty("claimedBy").GetString()));
        var vote = Assert.Single(shown.GetProperty("votes").EnumerateArray());
        Assert.Equal(("dev", "model-risk-officer", true), (vote.GetProperty("integration").GetString(), vote.GetProperty("role").GetString(),
            vote.GetProperty("approved").GetBoolean()));
        var approver = vote.GetProperty("approver").GetString()!;
        Assert.Contains("model-risk-officer", DemoRegistry.DevApprovers[approver]);
        Assert.Contains($"{approver} approved as model-risk-officer", ticketing.Output);

        var (stageExit, version, _) = await Cli_Specs.RunAsync(w => VersionsCommand.ShowAsync(Settings, "demo-fraud-scorer", 3, json: true, w, default));
        Assert.Equal(0, stageExit);
        Assert.Equal("production", version.GetProperty("stage").GetString());

        ticketing.Terminate();
        Assert.Equal(0, await ticketing.WaitForExitAsync(TimeSpan.FromSeconds(30)));
        Assert.Contains("[ticketing] stopped", ticketing.Output);
        Assert.Empty(ticketing.StandardError);
    }

    private CliSettings Settings => registry.Cli();
}
