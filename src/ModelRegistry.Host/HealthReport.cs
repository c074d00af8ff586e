using System.Text.Json;
using ModelRegistry.Platform;

namespace ModelRegistry.Host;

/// <summary><c>--check</c>'s reading of the running host's health file (Health:File).</summary>
internal static class HealthReport
{
    /// <summary>Null when there is no file to read or it says the host is fine; else the problem.</summary>
    public static string? Check(HealthOptions options, DateTimeOffset now)
    {
        if (options.File.Length == 0 || !File.Exists(options.File)) return null;
        try
        {
            using var document = JsonDocument.Parse(File.ReadAllText(options.File));
            var root = document.RootElement;
            var status = root.GetProperty("status").GetString();
            var reportedAt = root.GetProperty("reportedAt").GetDateTimeOffset();
            if (now - reportedAt > 3 * options.CheckInterval)
                return $"{HealthOptions.Section}:File {options.File}: the host has not reported since {reportedAt:u} (it is gone or hung)";
            if (status == HostHealthState.Stalled)
                return $"{HealthOptions.Section}:File {options.File}: the host is stalled: {root.GetProperty("detail").GetString()}";
            return null;
        }
        catch (Exception e) when (e is JsonException or IOException or KeyNotFoundException or FormatException or InvalidOperationException)
        {
            return $"{HealthOptions.Section}:File {options.File}: unreadable health report: {e.Message}";
        }
    }
}
