using Dapper;
using ModelRegistry.Cli;
using ModelRegistry.Contracts;
using ModelRegistry.Testing;

namespace ModelRegistry.Host.Tests;

/// <summary>`mreg models govern` over the real broker and database: the operator's user changes a tier; a refusal exits 4 with its code.</summary>
public sealed class RegistrationGovernance_Specs_When_mreg_governs(RunningRegistry registry) : IClassFixture<RunningRegistry>
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task The_operator_raises_a_tier_with_mreg_and_the_answer_says_from_what_to_what()
    {
        await registry.Observer.PublishAsync(registry.Pipeline.Trained("governed-by-cli", "run-1") with { RiskTier = "medium" });
        await registry.Observer.WaitForAsync<ModelVersionRegistered>(e => e.ModelName == "governed-by-cli");

        var (exit, outcome, _) = await Cli_Specs.RunAsync(w => GovernCommand.RunAsync(registry.Cli(), Command("governed-by-cli", "high"), Wait,
            json: true, w, default));

        Assert.Equal(0, exit);
        Assert.Equal(("changed", "high", "event"), (outcome.GetProperty("outcome").GetString(), outcome.GetProperty("riskTier").GetString(),
            outcome.GetProperty("source").GetString()));
        Assert.Contains("risk tier medium -> high", outcome.GetProperty("message").GetString(), StringComparison.Ordinal);
        await using var c = await registry.DataSource.OpenConnectionAsync();
        Assert.Equal("high", await c.QuerySingleAsync<string>("SELECT risk_tier FROM registry.models WHERE name = 'governed-by-cli'"));
        Assert.Equal(BrokerUsers.Operator, await c.QuerySingleAsync<string>(
            "SELECT actor FROM registry.audit_log WHERE action = 'model.governance_changed' AND subject = 'governed-by-cli'"));
    }

    [Fact]
    public async Task A_refused_change_exits_4_with_its_reason()
    {
        var (exit, _, text) = await Cli_Specs.RunAsync(w => GovernCommand.RunAsync(registry.Cli(), Command("no-such-governed-model", "high"), Wait,
            json: false, w, default));

        Assert.Equal(4, exit);
        Assert.StartsWith("refused: unknown_model: ", text, StringComparison.Ordinal);
    }

    private static ChangeModelGovernance Command(string model, string tier) => new()
    {
        CommandId = Guid.NewGuid(), ModelName = model, RiskTier = tier, Reason = "it now decides payments", RequestedBy = "mira",
    };
}
