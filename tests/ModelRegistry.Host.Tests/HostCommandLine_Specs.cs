using ModelRegistry.Platform;
using ModelRegistry.Testing;

namespace ModelRegistry.Host.Tests;

public class HostCommandLine_Specs(IsolatedEnvironment env) : IClassFixture<IsolatedEnvironment>
{
    [Fact]
    public async Task Check_verifies_settings_broker_and_database_then_exits_without_consuming()
    {
        await using var check = HostProcess.StartHost(env.EnvironmentVariables, "--check");
        Assert.Equal(0, await check.WaitForExitAsync(TimeSpan.FromSeconds(60)));
        Assert.Contains($"ok: broker {env.RabbitMq.Address}, database up to date, workers registration,evaluation,promotion,deployments,retention,probe", check.Output);
        // (Another test of this class runs the probe worker; none runs these.)
        var queues = await QueueInspector.InspectAsync(env.RabbitMq, ["registration", "evaluation", "promotion", "rollback"]);
        Assert.All(queues, q => Assert.False(q.Exists, $"--check declared {q.Queue}"));
    }

    [Fact]
    public async Task Check_fails_with_the_setting_when_the_broker_is_down()
    {
        var environment = new Dictionary<string, string>(env.EnvironmentVariables) { ["RabbitMq__Port"] = "1" };
        await using var check = HostProcess.StartHost(environment, "--check");
        Assert.Equal(3, await check.WaitForExitAsync(TimeSpan.FromSeconds(60)));
        Assert.Contains("RabbitMq:Host/RabbitMq:Port", Assert.Single(check.StandardError));
    }

    [Fact]
    public async Task Logs_are_one_JSON_object_per_line_when_asked()
    {
        var environment = new Dictionary<string, string>(env.EnvironmentVariables) { ["Logging__Console__FormatterName"] = "json" };
        await using var host = HostProcess.StartHost(environment, "--workers", "probe");
        await host.WaitUntilStartedAsync();
        host.Terminate();
        Assert.Equal(0, await host.WaitForExitAsync(TimeSpan.FromSeconds(60)));

        var lines = host.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var started = lines.Select(l => System.Text.Json.JsonDocument.Parse(l).RootElement)
            .Single(e => e.GetProperty("Message").GetString()!.StartsWith("Starting workers probe", StringComparison.Ordinal));
        Assert.Equal("ModelRegistry.Host", started.GetProperty("Category").GetString());
        Assert.Equal("probe", started.GetProperty("State").GetProperty("Workers").GetString());
        Assert.Matches(UtcTimestamp, started.GetProperty("Timestamp").GetString());
    }

    [Fact]
    public async Task Each_console_entry_starts_with_its_UTC_time()
    {
        await using var host = HostProcess.StartHost(env.EnvironmentVariables, "--workers", "probe");
        await host.WaitUntilStartedAsync();
        host.Terminate();
        Assert.Equal(0, await host.WaitForExitAsync(TimeSpan.FromSeconds(60)));

        // The simple format: a header line per entry ("<time> info: <category>[<event id>]"), then the message indented.
        var headers = host.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Where(l => !l.StartsWith(' ')).ToList();
        Assert.Contains(headers, h => h.EndsWith(" info: ModelRegistry.Host[0]", StringComparison.Ordinal));
        Assert.All(headers, h => Assert.Matches(UtcTimestamp[..^1] + " (trce|dbug|info|warn|fail|crit): ", h));
    }

    private const string UtcTimestamp = @"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$";

    [Fact]
    public async Task Help_lists_every_worker_and_setting()
    {
        await using var help = HostProcess.StartHost(env.EnvironmentVariables, "--help");
        Assert.Equal(0, await help.WaitForExitAsync(TimeSpan.FromSeconds(60)));
        Assert.Contains("Workers: " + string.Join(", ", ModuleCatalog.All.Select(w => w.Name)), help.Output);
        foreach (var setting in new[] { "RabbitMq__Host", "Database__ConnectionString", "Artifacts__AllowedSourceRoots__0", "Logging__Console__FormatterName",
                     "Outbox__BatchTimeoutSeconds", "Health__MaxStalledSeconds", "Health__File", "Evaluation__MaxClockSkewSeconds" })
            Assert.Contains(setting, help.Output);
    }
}
