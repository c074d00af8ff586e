using ModelRegistry.Testing;

namespace ModelRegistry.Host.Tests.Promotion;

/// <summary>
/// A host whose promotion policy needs approvals that its settings cannot give says so when it starts (docs/ticketing.md,
/// Configuration). Policy: <see cref="TestPolicies.Standard"/> (production of medium, high and critical needs a
/// model-risk-officer and a security-review, two different people).
/// </summary>
public class ApprovalSetup_Specs(IsolatedEnvironment env) : IClassFixture<IsolatedEnvironment>
{
    private const string Warning = "warn: ModelRegistry.Promotion.ApprovalSetup";

    private async Task<string> StartedOutputAsync(Action<Dictionary<string, string>> change)
    {
        var environment = new Dictionary<string, string>(env.EnvironmentVariables);
        change(environment);
        await using var host = HostProcess.StartHost(environment);
        await host.WaitUntilStartedAsync();
        return host.Output;
    }

    [Fact]
    public async Task A_host_without_integration_and_with_one_approver_for_two_roles_warns_naming_what_to_set()
    {
        var output = await StartedOutputAsync(e =>
        {
            foreach (var key in e.Keys.Where(k => k.StartsWith("Ticketing__", StringComparison.Ordinal) || k.StartsWith("Approvers__", StringComparison.Ordinal)).ToList())
                e.Remove(key);
            e["Approvers__carol__Roles__0"] = "model-risk-officer";
            e["Approvers__carol__Roles__1"] = "security-review";
        });

        Assert.Contains(Warning, output);
        Assert.Contains("Ticketing: no ticketing integration is configured", output);
        Assert.Contains("Ticketing__Integrations__<name>__Secret", output);
        Assert.Contains("medium/production, high/production, critical/production", output);
        Assert.Contains("approval at medium/production, high/production, critical/production needs 2 different approvers holding model-risk-officer, security-review, but only 1 configured person holds them (carol)", output);
    }

    [Fact]
    public async Task A_host_with_an_approver_for_every_role_and_an_integration_warns_about_nothing() =>
        Assert.DoesNotContain(Warning, await StartedOutputAsync(_ => { }));
}
