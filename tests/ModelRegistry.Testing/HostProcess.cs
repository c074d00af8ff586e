using System.Collections.Concurrent;
using System.Diagnostics;
using System.Runtime.InteropServices;

namespace ModelRegistry.Testing;

/// <summary>A real <c>ModelRegistry.Host</c> (or <c>mreg</c>) process, with its output captured line by line.</summary>
public sealed partial class HostProcess : IAsyncDisposable
{
    private readonly Process process;
    private readonly ConcurrentQueue<string> lines = new();

    private HostProcess(Process process) => this.process = process;

    public int Id => process.Id;
    public bool HasExited => process.HasExited;
    public int ExitCode => process.ExitCode;
    public string Output => string.Join('\n', lines);
    public IReadOnlyList<string> StandardError { get; } = new List<string>();

    public static HostProcess StartHost(IReadOnlyDictionary<string, string> environment, params string[] args) =>
        Start("ModelRegistry.Host.dll", environment, args);

    public static HostProcess StartCli(IReadOnlyDictionary<string, string> environment, params string[] args) =>
        Start("mreg.dll", environment, args);

    private static HostProcess Start(string assembly, IReadOnlyDictionary<string, string> environment, string[] args)
    {
        var info = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        info.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, assembly));
        foreach (var arg in args) info.ArgumentList.Add(arg);
        foreach (var (key, value) in environment) info.Environment[key] = value;
        info.Environment["DOTNET_ENVIRONMENT"] = "Production";
        var process = new Process { StartInfo = info };
        var host = new HostProcess(process);
        var errors = (List<string>)host.StandardError;
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) host.lines.Enqueue(e.Data); };
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is null) return;
            host.lines.Enqueue(e.Data);
            lock (errors) errors.Add(e.Data);
        };
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return host;
    }

    public async Task WaitForOutputAsync(string text, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!lines.Any(l => l.Contains(text, StringComparison.Ordinal)))
        {
            if (process.HasExited) throw new InvalidOperationException($"process exited ({process.ExitCode}) before printing '{text}':\n{Output}");
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"no '{text}' within {timeout.TotalSeconds:0} s:\n{Output}");
            await Task.Delay(50);
        }
    }

    /// <summary>Waits until the host says its bus is started and its queues bound.</summary>
    public Task WaitUntilStartedAsync() => WaitForOutputAsync("Application started", TimeSpan.FromSeconds(60));

    public void Terminate()
    {
        const int SIGTERM = 15;
        if (Kill(process.Id, SIGTERM) != 0) throw new InvalidOperationException($"kill({process.Id}, SIGTERM) failed");
    }

    public void KillHard() => process.Kill(entireProcessTree: true);

    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        await process.WaitForExitAsync(cts.Token);
        return process.ExitCode;
    }

    public async ValueTask DisposeAsync()
    {
        if (!process.HasExited)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
        }
        process.Dispose();
    }

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int Kill(int pid, int signal);
}
