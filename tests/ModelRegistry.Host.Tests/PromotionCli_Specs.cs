using System.CommandLine;
using System.Text.Json;
using ModelRegistry.Cli;
using ModelRegistry.Contracts.Promotion;
using ModelRegistry.Testing;
using static ModelRegistry.Host.Tests.Promotion.PromotionSteps;

namespace ModelRegistry.Host.Tests;

/// <summary>
/// <c>mreg promote|promotions|cancel|rollback</c> against a real host, broker and database (policy: <see cref="TestPolicies.Standard"/>:
/// tier low promotes with no gates or approvals, high needs two approvals for production). Commands run in-process
/// (<see cref="Cli_Specs.RunAsync"/>) unless the test is about the real process.
/// </summary>
public class PromotionCli_Specs(RunningRegistry registry) : IClassFixture<RunningRegistry>
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(60);

    private CliSettings Settings => registry.Cli();

    [Fact]
    public async Task Promote_wait_exits_0_once_promoted_and_the_version_is_in_production()
    {
        await RegisterAsync(registry, "cli-fast", "run-1", "low");
        var request = Request("cli-fast", 1, "production", by: "ci-pipeline");

        var (exit, outcome, _) = await Cli_Specs.RunAsync(w => PromotionCommands.PromoteAsync(Settings, request, Wait, json: true, w, default));

        Assert.Equal(0, exit);
        Assert.Equal("promoted", outcome.GetProperty("outcome").GetString());
        Assert.Equal(request.PromotionId, outcome.GetProperty("promotionId").GetGuid());
        Assert.Equal("event", outcome.GetProperty("source").GetString());
        Assert.Equal("production", outcome.GetProperty("event").GetProperty("toStage").GetString());
        Assert.Equal("production", await StageAsync(registry, "cli-fast", 1));
        // The request went through the broker as sent: the saga recorded the ticket from it, and as requester the principal
        // mreg connected as (the body's requestedBy is kept as what it claimed).
        var (_, shown, _) = await Cli_Specs.RunAsync(w => PromotionsCommand.ShowAsync(Settings, request.PromotionId.ToString(), json: true, w, default));
        Assert.Equal(("Promoted", "mreg-operator", "ci-pipeline", "CHG-1001", "registered"),
            (shown.GetProperty("state").GetString(), shown.GetProperty("requestedBy").GetString(), shown.GetProperty("claimedBy").GetString(),
                shown.GetProperty("changeTicket").GetString(), shown.GetProperty("fromStage").GetString()));
        var (_, _, text) = await Cli_Specs.RunAsync(w => PromotionsCommand.ShowAsync(Settings, request.PromotionId.ToString(), json: false, w, default));
        Assert.Contains("requested by         mreg-operator  (the request says: ci-pipeline)", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Promote_without_wait_prints_the_id_and_the_registry_does_the_rest()
    {
        await RegisterAsync(registry, "cli-nowait", "run-1", "low");
        var request = Request("cli-nowait", 1, "staging");

        var (exit, _, text) = await Cli_Specs.RunAsync(w => PromotionCommands.PromoteAsync(Settings, request, null, json: false, w, default));

        Assert.Equal(0, exit);
        Assert.Equal(request.PromotionId.ToString("D"), text.Trim());
        await Eventually.UntilAsync(() => StageAsync(registry, "cli-nowait", 1), s => s == "staging", Wait, "the stage after promote without --wait");
    }

    // A version that does not exist is refused before anything is sent: PromotionCli_Specs_When_there_is_nothing_to_act_on.
    [Theory]
    [InlineData(1, "canary", "stage_not_in_policy", "canary")]
    public async Task Promote_wait_of_an_impossible_promotion_exits_4_and_prints_the_reason(int version, string stage, string code, string words)
    {
        if (registry.Observer.All<Contracts.ModelVersionRegistered>().All(e => e.ModelName != "cli-impossible"))
            await RegisterAsync(registry, "cli-impossible", "run-1", "low");
        var request = Request("cli-impossible", version, stage);

        var (exit, _, text) = await Cli_Specs.RunAsync(w => PromotionCommands.PromoteAsync(Settings, request, Wait, json: false, w, default));

        Assert.Equal(PromotionCommands.ExitRefused, exit);
        var last = text.TrimEnd().Split('\n')[^1];
        Assert.StartsWith("rejected: ", last);
        Assert.Contains(code, last);
        Assert.Contains(words, last);
        Assert.Equal("registered", await StageAsync(registry, "cli-impossible", 1));
    }

    [Fact]
    public async Task Promote_wait_times_out_with_exit_5_while_approval_is_pending_and_cancel_ends_the_promotion()
    {
        await RegisterAsync(registry, "cli-high", "run-1", "high");
        var staging = Request("cli-high", 1, "staging");
        Assert.Equal(0, (await Cli_Specs.RunAsync(w => PromotionCommands.PromoteAsync(Settings, staging, Wait, json: true, w, default))).Exit);
        var production = Request("cli-high", 1, "production");

        // Long enough for the request to reach AwaitingApproval on a loaded machine (the CI runs every test project at once).
        var (exit, _, text) = await Cli_Specs.RunAsync(w =>
            PromotionCommands.PromoteAsync(Settings, production, TimeSpan.FromSeconds(8), json: false, w, default));

        Assert.Equal(PromotionCommands.ExitTimedOut, exit);
        Assert.Contains("waiting for approval: roles model-risk-officer, security-review, 2 different approver(s)", text);
        Assert.Contains($"timed out: promotion {production.PromotionId} is AwaitingApproval", text);

        // promotions show and list give the open promotion.
        var (showExit, shown, _) = await Cli_Specs.RunAsync(w => PromotionsCommand.ShowAsync(Settings, production.PromotionId.ToString(), json: true, w, default));
        Assert.Equal(0, showExit);
        Assert.Equal(("AwaitingApproval", true, "staging", "production"),
            (shown.GetProperty("state").GetString(), shown.GetProperty("open").GetBoolean(), shown.GetProperty("fromStage").GetString(),
                shown.GetProperty("targetStage").GetString()));
        Assert.Equal(("high", production.Reason), (shown.GetProperty("riskTier").GetString(), shown.GetProperty("reason").GetString()));
        Assert.Equal(JsonValueKind.String, shown.GetProperty("approvalDeadline").ValueKind);
        Assert.Empty(shown.GetProperty("votes").EnumerateArray());
        var (_, open, _) = await Cli_Specs.RunAsync(w => PromotionsCommand.ListAsync(Settings, "cli-high", "open", 50, json: true, w, default));
        Assert.Equal([production.PromotionId], open.EnumerateArray().Select(p => p.GetProperty("promotionId").GetGuid()));
        var (_, all, _) = await Cli_Specs.RunAsync(w => PromotionsCommand.ListAsync(Settings, "cli-high", null, 50, json: true, w, default));
        Assert.Equal([production.PromotionId, staging.PromotionId], all.EnumerateArray().Select(p => p.GetProperty("promotionId").GetGuid()));
        var (_, promoted, _) = await Cli_Specs.RunAsync(w => PromotionsCommand.ListAsync(Settings, "cli-high", "promoted", 50, json: true, w, default));
        Assert.Equal([staging.PromotionId], promoted.EnumerateArray().Select(p => p.GetProperty("promotionId").GetGuid()));

        var (cancelExit, _, _) = await Cli_Specs.RunAsync(w =>
            PromotionCommands.CancelAsync(Settings, production.PromotionId.ToString(), "wrong build", "erin", json: true, w, default));

        Assert.Equal(0, cancelExit);
        var cancelled = Assert.IsType<PromotionCancelled>(await OutcomeAsync(registry, production.PromotionId));
        Assert.Equal(("mreg-operator", "wrong build"), (cancelled.CancelledBy, cancelled.Reason));
        Assert.Equal("Cancelled", await PromotionStateAsync(registry, production.PromotionId));
        Assert.Equal("staging", await StageAsync(registry, "cli-high", 1));
        var (_, after, _) = await Cli_Specs.RunAsync(w => PromotionsCommand.ShowAsync(Settings, production.PromotionId.ToString(), json: true, w, default));
        Assert.Equal(("cancelled", false), (after.GetProperty("outcomeCode").GetString(), after.GetProperty("open").GetBoolean()));
        // A promotion that is over cannot be cancelled again.
        Assert.Equal(1, (await Cli_Specs.RunAsync(w =>
            PromotionCommands.CancelAsync(Settings, production.PromotionId.ToString(), null, "erin", json: true, w, default))).Exit);
    }

    [Fact]
    public async Task Rollback_wait_restores_the_previous_version_and_models_show_gives_each_versions_stage()
    {
        await RegisterAsync(registry, "cli-rollback", "run-1", "low");
        await RegisterAsync(registry, "cli-rollback", "run-2", "low");
        await RegisterAsync(registry, "cli-rollback", "run-3", "low");
        foreach (var n in new[] { 1, 2 })
            Assert.Equal(0, (await Cli_Specs.RunAsync(w =>
                PromotionCommands.PromoteAsync(Settings, Request("cli-rollback", n, "production"), Wait, json: true, w, default))).Exit);
        Assert.Equal(["retired", "production", "registered"], await StagesShownAsync("cli-rollback"));
        var rollback = new RequestRollback
        {
            RollbackId = Guid.NewGuid(), ModelName = "cli-rollback", IncidentId = "INC-9", RequestedBy = "oncall", Reason = "latency doubled",
        };

        var (exit, outcome, _) = await Cli_Specs.RunAsync(w => PromotionCommands.RollbackAsync(Settings, rollback, Wait, json: true, w, default));

        Assert.Equal(0, exit);
        Assert.Equal(("rolled_back", 1, 2), (outcome.GetProperty("outcome").GetString(), outcome.GetProperty("restoredVersion").GetInt32(),
            outcome.GetProperty("retiredVersion").GetInt32()));
        Assert.Equal(["production", "retired", "registered"], await StagesShownAsync("cli-rollback"));
        var (_, version, _) = await Cli_Specs.RunAsync(w => VersionsCommand.ShowAsync(Settings, "cli-rollback", 1, json: true, w, default));
        Assert.Equal("production", version.GetProperty("stage").GetString());
        var (_, _, table) = await Cli_Specs.RunAsync(w => ModelsCommand.ShowAsync(Settings, "cli-rollback", json: false, w, default));
        Assert.Contains("      1  production ", table);
        Assert.Contains("      2  retired    ", table);

        // Nothing earlier to go back to now: refused before anything is sent, exit 1 (the reason is on stderr).
        var again = rollback with { RollbackId = Guid.NewGuid() };
        var (againExit, _, againText) = await Cli_Specs.RunAsync(w => PromotionCommands.RollbackAsync(Settings, again, Wait, json: false, w, default));
        Assert.Equal((1, ""), (againExit, againText));
    }

    [Fact]
    public async Task Show_and_cancel_of_an_unknown_promotion_exit_1_and_a_malformed_id_exits_2()
    {
        var unknown = Guid.NewGuid().ToString();
        var (exit, _, output) = await Cli_Specs.RunAsync(w => PromotionsCommand.ShowAsync(Settings, unknown, json: true, w, default));
        Assert.Equal((1, ""), (exit, output));
        Assert.Equal(1, (await Cli_Specs.RunAsync(w => PromotionCommands.CancelAsync(Settings, unknown, null, "erin", json: true, w, default))).Exit);
        Assert.Equal(2, (await Cli_Specs.RunAsync(w => PromotionsCommand.ShowAsync(Settings, "not-a-uuid", json: true, w, default))).Exit);
        Assert.Equal(2, (await Cli_Specs.RunAsync(w => PromotionsCommand.ListAsync(Settings, null, "sideways", 50, json: true, w, default))).Exit);
    }

    [Fact]
    public async Task The_real_mreg_process_promotes_with_wait_and_exits_0_with_the_outcome_as_json()
    {
        await RegisterAsync(registry, "cli-process", "run-1", "low");
        await using var cli = HostProcess.StartCli(registry.CliEnvironment(),
            "promote", "cli-process", "1", "--to", "staging", "--reason", "release 1", "--ticket", "CHG-7", "--wait", "--timeout", "1m", "--json");

        Assert.True(await cli.WaitForExitAsync(Wait) == 0, cli.Output);
        using var outcome = JsonDocument.Parse(cli.Output);
        Assert.Equal("promoted", outcome.RootElement.GetProperty("outcome").GetString());
        var id = outcome.RootElement.GetProperty("promotionId").GetGuid();
        var (_, shown, _) = await Cli_Specs.RunAsync(w => PromotionsCommand.ShowAsync(Settings, id.ToString(), json: true, w, default));
        Assert.Equal(("mreg-operator", Environment.UserName, "CHG-7"),
            (shown.GetProperty("requestedBy").GetString(), shown.GetProperty("claimedBy").GetString(), shown.GetProperty("changeTicket").GetString()));
        Assert.Equal("staging", await StageAsync(registry, "cli-process", 1));
    }

    [Theory]
    [InlineData("promote m 1 --to production", "--reason")]
    [InlineData("promote m 1 --to prod --reason r", "prod")]
    [InlineData("promote m 1 --to production --reason r --timeout 5m", "--timeout only applies with --wait")]
    [InlineData("promote m 1 --to production --reason r --wait --timeout soon", "--timeout soon")]
    [InlineData("rollback m --reason r", "--incident")]
    [InlineData("promotions show 42", "not a promotion id")]
    [InlineData("approvals resend 42", "not a promotion id")]
    [InlineData("promotions list --state sideways", "--state")]
    public void The_command_line_refuses_bad_arguments_before_anything_is_sent(string line, string named)
    {
        var errors = MregCommand.Build().Parse(line).Errors;
        Assert.Contains(errors, e => e.Message.Contains(named, StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("30s", 30)]
    [InlineData("5m", 300)]
    [InlineData("1h", 3600)]
    [InlineData("1.5m", 90)]
    [InlineData("500ms", 0.5)]
    [InlineData("00:10:00", 600)]
    [InlineData("PT2M", 120)]
    public void Durations_read_as_people_write_them(string text, double seconds) =>
        Assert.Equal(TimeSpan.FromSeconds(seconds), PromotionCommands.ParseDuration(text));

    [Theory]
    [InlineData("0s")]
    [InlineData("-5m")]
    [InlineData("soon")]
    [InlineData("")]
    public void A_duration_that_is_not_positive_or_not_a_duration_is_refused(string text) => Assert.Null(PromotionCommands.ParseDuration(text));

    private async Task<List<string>> StagesShownAsync(string model)
    {
        var (exit, json, _) = await Cli_Specs.RunAsync(w => ModelsCommand.ShowAsync(Settings, model, json: true, w, default));
        Assert.Equal(0, exit);
        return json.GetProperty("versions").EnumerateArray().Select(v => v.GetProperty("stage").GetString()!).ToList();
    }
}
