using System.Diagnostics;
using System.Net.Sockets;

namespace ModelRegistry.Testing;

/// <summary>The checkout the tests were built from, and its shell scripts (<c>compose/services.sh</c>, <c>mreg</c>, <c>.ci/run</c>) run as a person or CI runs them.</summary>
public static class Checkout
{
    /// <summary>The checkout these tests were built from.</summary>
    public static string Repository { get; } = FindRepository();

    public sealed record Result(int ExitCode, string Output, string Errors)
    {
        public override string ToString() => $"exit {ExitCode}\n{Output}{Errors}";
    }

    /// <summary>
    /// Runs <paramref name="script"/> with bash. The environment is this process's with <paramref name="environment"/> on
    /// top; a null value removes the variable.
    /// </summary>
    public static async Task<Result> RunAsync(string script, IEnumerable<string> args, IReadOnlyDictionary<string, string?> environment,
        TimeSpan timeout, string? workingDirectory = null)
    {
        var info = new ProcessStartInfo("bash")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = workingDirectory ?? Repository,
        };
        info.ArgumentList.Add(script);
        foreach (var arg in args) info.ArgumentList.Add(arg);
        foreach (var (key, value) in environment)
        {
            if (value is null) info.Environment.Remove(key);
            else info.Environment[key] = value;
        }
        using var process = Process.Start(info)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{script} {string.Join(' ', args)} did not finish within {timeout.TotalSeconds:0} s");
        }
        return new Result(process.ExitCode, await output, await errors);
    }

    /// <summary>The KEY=value lines of a dotenv text (what <c>compose/services.sh env</c> prints).</summary>
    public static Dictionary<string, string> DotEnv(string text) =>
        text.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(line => line.Split('=', 2))
            .ToDictionary(kv => kv[0], kv => kv[1], StringComparer.Ordinal);

    /// <summary>Whether something accepts TCP connections on 127.0.0.1:<paramref name="port"/>.</summary>
    public static bool Listening(int port)
    {
        try
        {
            using var client = new TcpClient();
            client.Connect("127.0.0.1", port);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    private static string FindRepository()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "compose", "services.sh"))) return dir.FullName;
        throw new InvalidOperationException("compose/services.sh not found above " + AppContext.BaseDirectory);
    }
}
