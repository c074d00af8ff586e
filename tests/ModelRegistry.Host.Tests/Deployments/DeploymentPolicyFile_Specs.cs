using ModelRegistry.Testing;

namespace ModelRegistry.Host.Tests.Deployments;

/// <summary>A bad environment policy stops the host at start with exit 2 and one line per problem naming file, line and path.</summary>
public class DeploymentPolicyFile_Specs(IsolatedEnvironment env) : IClassFixture<IsolatedEnvironment>
{
    private static readonly string Repo = Path.GetFullPath(Path.Combine(AppContext.BaseDirectory, "../../../../.."));

    [Fact]
    public async Task A_bad_environment_policy_names_the_file_line_and_path_of_every_problem()
    {
        var file = Path.Combine(Path.GetDirectoryName(env.PolicyFile)!, "bad-deployment-policy.json");
        var shipped = await File.ReadAllTextAsync(Path.Combine(Repo, "config", "deployment-policy.json"));
        await File.WriteAllTextAsync(file, shipped.Replace("\"maxTrafficPercent\": 10", "\"maxTrafficPercent\": 110", StringComparison.Ordinal)
            .Replace("\"otherEnvironments\": \"dev\"", "\"otherEnvironments\": \"qa\"", StringComparison.Ordinal));
        var environment = new Dictionary<string, string>(env.EnvironmentVariables) { ["Deployments__PolicyFile"] = file };

        await using var host = HostProcess.StartHost(environment);
        Assert.Equal(2, await host.WaitForExitAsync(TimeSpan.FromSeconds(60)));
        Assert.DoesNotContain("Exception", host.Output);
        Assert.Equal([
                $"mreg-host: Deployments:PolicyFile: {file} line 6: environments.production.stages.canary.maxTrafficPercent: 110 must be more than 0 and at most 100",
                $"mreg-host: Deployments:PolicyFile: {file} line 30: otherEnvironments: 'qa' is not an environment of this policy; name one of environments",
            ],
            host.StandardError);
    }

    [Fact]
    public async Task The_shipped_policy_file_starts_the_host()
    {
        var environment = new Dictionary<string, string>(env.EnvironmentVariables)
        {
            ["Deployments__PolicyFile"] = Path.Combine(Repo, "config", "deployment-policy.json"),
        };
        await using var host = HostProcess.StartHost(environment);
        await host.WaitUntilStartedAsync();
        Assert.False(host.HasExited);
    }
}
