using System.Text.Json;

namespace ModelRegistry.Cli;

// Waiting for the outcome of a command published by `mreg promote` or `mreg rollback` --wait.
internal static class OutcomeWait
{
    private static readonly TimeSpan DatabaseCheckInterval = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Reads events until <paramref name="match"/> finds the outcome or <paramref name="timeout"/> passes, asking the database every
    /// few seconds and once more at the end (an event can be missed: the broker connection may drop). Null: timed out.
    /// </summary>
    public static async Task<T?> WaitAsync<T>(CliBroker broker, TimeSpan timeout, Func<RegistryEvent, T?> match,
        Action<RegistryEvent> progress, Func<CancellationToken, Task<T?>> fromDatabase, CancellationToken ct) where T : class
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var left = deadline - DateTime.UtcNow;
            if (left > TimeSpan.Zero)
            {
                using var slice = CancellationTokenSource.CreateLinkedTokenSource(ct);
                slice.CancelAfter(left < DatabaseCheckInterval ? left : DatabaseCheckInterval);
                if (await broker.NextAsync(slice.Token) is { } e)
                {
                    if (match(e) is { } found) return found;
                    progress(e);
                    continue;
                }
            }
            ct.ThrowIfCancellationRequested();
            using (var check = CancellationTokenSource.CreateLinkedTokenSource(ct))
            {
                check.CancelAfter(TimeSpan.FromSeconds(5));
                if (await fromDatabase(check.Token) is { } stored) return stored;
            }
            if (DateTime.UtcNow >= deadline) return null;
        }
    }

    public static bool IsAbout(JsonElement message, string property, Guid id) =>
        CliBroker.Text(message, property) is { } text && Guid.TryParse(text, out var value) && value == id;

    /// <summary>
    /// Prints the outcome of a command answered with one event (JSON, or "refused: CODE: message" / "OUTCOME: message") and
    /// returns its exit code: 0, <see cref="PromotionCommands.ExitRefused"/> or <see cref="PromotionCommands.ExitTimedOut"/>.
    /// </summary>
    public static int Report<T>(TextWriter output, bool json, T outcome, string kind, string? reasonCode, string message)
    {
        if (json) CliJson.Write(output, outcome);
        else output.WriteLine(kind == "refused" ? $"refused: {reasonCode}: {message}" : $"{kind}: {message}");
        return kind switch
        {
            "refused" => PromotionCommands.ExitRefused,
            "timed_out" => PromotionCommands.ExitTimedOut,
            _ => 0,
        };
    }
}
