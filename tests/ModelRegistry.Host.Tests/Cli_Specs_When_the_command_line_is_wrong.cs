using System.CommandLine;
using ModelRegistry.Cli;
using ModelRegistry.Testing;

namespace ModelRegistry.Host.Tests;

/// <summary>
/// A command line that does not parse is one line on stderr naming what is wrong and which <c>--help</c> to read, and exit 2
/// (as <c>--help</c> says), before any setting is read or anything is reached.
/// </summary>
public class Cli_Specs_When_the_command_line_is_wrong
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    [Theory]
    [InlineData("promote m 1 --to prod --reason r", "Argument 'prod' not recognized", "mreg promote")]
    [InlineData("promote m", "Option '--to' is required; Option '--reason' is required", "mreg promote")]
    [InlineData("rollback m --incident i --reason r --wait --timeout soon", "--timeout soon: expected a duration", "mreg rollback")]
    [InlineData("models lsit", "Unrecognized command or argument 'lsit'", "mreg models")]
    [InlineData("versions show m one", "Cannot parse argument 'one'", "mreg versions show")]
    [InlineData("frobnicate", "Unrecognized command or argument 'frobnicate'", "mreg")]
    public async Task The_real_mreg_prints_one_line_and_exits_2(string line, string problem, string command)
    {
        await using var cli = HostProcess.StartCli(new Dictionary<string, string>(), line.Split(' '));

        Assert.Equal(MregCommand.ExitBadArguments, await cli.WaitForExitAsync(Timeout));
        var error = Assert.Single(cli.StandardError);
        Assert.StartsWith("mreg: ", error, StringComparison.Ordinal);
        Assert.Contains(problem, error, StringComparison.Ordinal);
        Assert.EndsWith($"; see {command} --help", error, StringComparison.Ordinal);
        Assert.Equal(error, cli.Output); // nothing on stdout: no help text
    }

    [Theory]
    [InlineData("promote --help")]
    [InlineData("rollback m --help")]
    [InlineData("--help")]
    public void Help_is_not_an_argument_error(string line) => Assert.Null(MregCommand.ArgumentProblem(MregCommand.Build().Parse(line)));

    [Fact]
    public async Task Help_still_prints_the_whole_text_and_exits_0()
    {
        await using var cli = HostProcess.StartCli(new Dictionary<string, string>(), "promote", "--help");

        Assert.Equal(0, await cli.WaitForExitAsync(Timeout));
        Assert.Empty(cli.StandardError);
        Assert.Contains("2 bad arguments", cli.Output, StringComparison.Ordinal);
        Assert.Contains("--to <STAGE> (REQUIRED)", cli.Output, StringComparison.Ordinal);
    }
}
