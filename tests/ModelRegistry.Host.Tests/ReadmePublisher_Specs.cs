using System.Diagnostics;
using ModelRegistry.Cli;
using ModelRegistry.Contracts;
using ModelRegistry.Testing;

namespace ModelRegistry.Host.Tests;

/// <summary>
/// The Python publisher in README.md ("Your own pipeline, in Python"), taken from between its markers and run as it stands
/// with Debian's python3 and pika against the real broker and a real host: it must register a version.
/// </summary>
public class ReadmePublisher_Specs(RunningRegistry registry) : IClassFixture<RunningRegistry>
{
    private const string Begin = "<!-- readme: python-publisher begin -->";
    private const string End = "<!-- readme: python-publisher end -->";
    private static readonly string Repo = Path.GetFullPath(Path.Combine(AppContext.BaseDirectory, "../../../../.."));

    [Fact]
    public async Task The_readme_python_snippet_registers_a_version_and_prints_it()
    {
        var script = Path.Combine(registry.SourceRoot, "..", "register_hello.py");
        await File.WriteAllTextAsync(script, Snippet());
        var r = registry.As(BrokerUsers.Pipeline);
        // Debian's python3 with python3-pika (test.sh installs it), not whatever python3 comes first on PATH.
        var info = new ProcessStartInfo("/usr/bin/python3") { RedirectStandardError = true, RedirectStandardOutput = true };
        info.ArgumentList.Add(script);
        info.Environment["MREG_AMQP_URL"] = $"amqp://{r.Username}:{r.Password}@{r.Host}:{r.Port}/{r.VirtualHost}";
        info.Environment["MREG_INCOMING"] = registry.SourceRoot;
        using var python = Process.Start(info)!;
        var stdout = python.StandardOutput.ReadToEndAsync();
        var stderr = python.StandardError.ReadToEndAsync();
        using (var limit = new CancellationTokenSource(TimeSpan.FromMinutes(2))) await python.WaitForExitAsync(limit.Token);
        Assert.True(python.ExitCode == 0, $"exit {python.ExitCode}: {await stderr}");

        var registered = await registry.Observer.WaitForAsync<ModelVersionRegistered>(e => e.ModelName == "hello-model");
        Assert.Equal($"registered hello-model version {registered.Version} ({registered.ManifestDigest})", (await stdout).Trim());
        Assert.StartsWith("readme/hello-model/hello-", registered.IdempotencyKey);

        // The version is in the database with both files, read from under the allowed source root.
        var (exit, shown, _) = await Cli_Specs.RunAsync(w => VersionsCommand.ShowAsync(registry.Cli(),
            "hello-model", registered.Version, json: true, w, default));
        Assert.Equal(0, exit);
        Assert.Equal(["config", "weights"], shown.GetProperty("files").EnumerateArray().Select(f => f.GetProperty("role").GetString()).Order());
        Assert.All(shown.GetProperty("files").EnumerateArray(),
            f => Assert.StartsWith(new Uri(registry.SourceRoot).AbsoluteUri + "/hello-model/", f.GetProperty("sourceUri").GetString()));
    }

    /// <summary>The code block between the README's markers, exactly as a reader copies it.</summary>
    private static string Snippet()
    {
        var readme = File.ReadAllText(Path.Combine(Repo, "README.md"));
        var start = readme.IndexOf(Begin, StringComparison.Ordinal);
        var end = readme.IndexOf(End, StringComparison.Ordinal);
        Assert.True(start >= 0 && end > start, $"README.md has no {Begin} ... {End} block");
        var block = readme[(start + Begin.Length)..end].Trim();
        Assert.StartsWith("```python\n", block);
        Assert.EndsWith("\n```", block);
        return block["```python\n".Length..^"```".Length];
    }
}
