using System.Runtime.Versioning;
using ModelRegistry.Testing;

namespace ModelRegistry.Host.Tests.Scripts;

/// <summary>.ci/run, in a copy of the checkout's layout whose test.sh and services.sh only print what the real ones would.</summary>
[SupportedOSPlatform("linux")]
public sealed class CiScript_Specs : IDisposable
{
    private const UnixFileMode Executable = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute
        | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute;
    private readonly string checkout = Path.Combine(Path.GetTempPath(), "mreg-ci-" + Guid.NewGuid().ToString("N")[..8]);

    public CiScript_Specs()
    {
        Directory.CreateDirectory(Path.Combine(checkout, ".ci"));
        Directory.CreateDirectory(Path.Combine(checkout, "compose"));
        File.Copy(Path.Combine(Checkout.Repository, ".ci", "run"), Path.Combine(checkout, ".ci", "run"));
        File.WriteAllText(Path.Combine(checkout, "compose", "services.sh"), "#!/usr/bin/env bash\necho 'rabbitmq: stopped in 1.0s'\n");
        File.SetUnixFileMode(Path.Combine(checkout, "compose", "services.sh"), Executable);
    }

    public void Dispose() => Directory.Delete(checkout, recursive: true);

    [Theory]
    [InlineData(0, "tests: 12 passed, 0 failed")]
    [InlineData(1, "tests: 11 passed, 1 failed")]
    public async Task The_summary_line_is_printed_once_and_last_and_the_exit_code_is_test_shs(int exitCode, string summary)
    {
        File.WriteAllText(Path.Combine(checkout, "test.sh"), $"""
            #!/usr/bin/env bash
            echo 'rabbitmq: started in 5.0s'
            echo '  Passed Some_Specs.Something [1 ms]' >&2
            echo '{summary}'
            exit {exitCode}
            """);
        File.SetUnixFileMode(Path.Combine(checkout, "test.sh"), Executable);

        var run = await Checkout.RunAsync(Path.Combine(checkout, ".ci", "run"), [], new Dictionary<string, string?>(), TimeSpan.FromMinutes(1),
            checkout);

        Assert.Equal(exitCode, run.ExitCode);
        var lines = run.Output.TrimEnd('\n').Split('\n');
        Assert.Equal(["rabbitmq: started in 5.0s", "  Passed Some_Specs.Something [1 ms]", summary], lines);
    }
}
