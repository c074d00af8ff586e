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

/// <summary>mreg binds and checks its settings as the host does: an invalid one is one line and exit 2, before anything is reached.</summary>
public class Cli_Specs_When_a_setting_is_invalid
{
    [Theory]
    [InlineData("RabbitMq__Port", "five", "mreg: Failed to convert configuration value 'five' at 'RabbitMq:Port'")]
    [InlineData("Artifacts__Root", "relative/store", "mreg: Artifacts:Root must be an absolute path without '.' or '..' segments")]
    public async Task It_exits_2_naming_the_setting(string key, string value, string expected)
    {
        await using var cli = HostProcess.StartCli(new Dictionary<string, string> { [key] = value }, "status");
        Assert.Equal(2, await cli.WaitForExitAsync(TimeSpan.FromSeconds(60)));
        Assert.StartsWith(expected, Assert.Single(cli.StandardError), StringComparison.Ordinal);
    }
}
