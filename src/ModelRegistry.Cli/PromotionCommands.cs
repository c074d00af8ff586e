using System.Globalization;
using System.Xml;
using ModelRegistry.Contracts.Promotion;

namespace ModelRegistry.Cli;

/// <summary>
/// <c>mreg promote</c>, <c>mreg cancel</c> and <c>mreg rollback</c>. They publish commands to the broker (confirmed) and never
/// write the database; with <c>--wait</c> they listen for the outcome on a private queue bound before the command goes out,
/// and look at the database (read-only) every few seconds and at the end in case an event was missed.
/// </summary>
public static class PromotionCommands
{
    /// <summary>The promotion or rollback was rejected, expired or was cancelled.</summary>
    public const int ExitRefused = 4;

    /// <summary><c>--wait</c> ran out of time; the promotion may still be open.</summary>
    public const int ExitTimedOut = 5;

    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromMinutes(10);

    public static readonly IReadOnlyList<string> TargetStages = ["staging", "shadow", "canary", "production"];

    /// <summary>30s, 5m, 1h, 2d, 500ms, a TimeSpan (00:10:00) or ISO 8601 (PT10M); null when it is none of them or not positive.</summary>
    public static TimeSpan? ParseDuration(string? text)
    {
        if (string.IsNullOrWhiteSpace(text)) return null;
        text = text.Trim();
        TimeSpan? parsed = null;
        var units = new (string Suffix, double Seconds)[] { ("ms", 0.001), ("s", 1), ("m", 60), ("h", 3600), ("d", 86400) };
        foreach (var (suffix, seconds) in units)
        {
            if (text.EndsWith(suffix, StringComparison.OrdinalIgnoreCase)
                && double.TryParse(text[..^suffix.Length], NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var n))
            {
                parsed = TimeSpan.FromSeconds(n * seconds);
                break;
            }
        }
        if (parsed is null && TimeSpan.TryParse(text, CultureInfo.InvariantCulture, out var span)) parsed = span;
        if (parsed is null && text.StartsWith('P'))
        {
            try
            {
                parsed = XmlConvert.ToTimeSpan(text);
            }
            catch (FormatException)
            {
            }
        }
        return parsed > TimeSpan.Zero ? parsed : null;
    }

    public static Task<int> PromoteAsync(CliSettings settings, RequestPromotion request, TimeSpan? wait, bool json, TextWriter output,
        CancellationToken ct) =>
        PromoteCommand.RunAsync(settings, request, wait, json, output, ct);

    /// <summary>Checks (read-only) that the promotion exists and is open, then publishes <see cref="CancelPromotion"/>.</summary>
    public static Task<int> CancelAsync(CliSettings settings, string id, string? reason, string cancelledBy, bool json, TextWriter output,
        CancellationToken ct) =>
        CancelCommand.RunAsync(settings, id, reason, cancelledBy, json, output, ct);

    public static Task<int> RollbackAsync(CliSettings settings, RequestRollback request, TimeSpan? wait, bool json, TextWriter output,
        CancellationToken ct) =>
        RollbackCommand.RunAsync(settings, request, wait, json, output, ct);

    internal static string Format(TimeSpan t) =>
        t.TotalSeconds < 1 ? $"{t.TotalMilliseconds:0}ms"
        : t.TotalMinutes < 1 ? $"{t.TotalSeconds:0.#}s"
        : t.TotalHours < 1 ? $"{t.TotalMinutes:0.#}m"
        : $"{t.TotalHours:0.#}h";

    /// <summary>
    /// The promotion an operator command names, read before anything is sent: exit 2 for an id that is no UUID, 1 for
    /// an unknown promotion, the database's exit code when it cannot be read; 0 with the promotion otherwise.
    /// </summary>
    internal static async Task<(int Exit, PromotionDetail? Detail)> FindOrFailAsync(CliSettings settings, string id, CancellationToken ct)
    {
        if (!Guid.TryParse(id, out var promotionId))
            return (await FailAsync($"'{id}' is not a promotion id (a UUID, as `mreg promote` printed it)", 2), null);
        PromotionDetail? detail = null;
        var read = await CliDatabase.ReadAsync(settings, async connection =>
        {
            detail = await PromotionsCommand.FindAsync(connection, promotionId, ct);
            return 0;
        }, ct);
        if (read != 0) return (read, null);
        if (detail is null) return (await FailAsync($"no promotion {promotionId} (see `mreg promotions list`)", 1), null);
        return (0, detail);
    }

    internal static async Task<int> FailAsync(string message, int exit)
    {
        await Console.Error.WriteLineAsync($"mreg: {message}");
        return exit;
    }
}
