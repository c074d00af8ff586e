using System.CommandLine;
using System.Globalization;
using ModelRegistry.Contracts.Deployments;
using ModelRegistry.Deployments;

namespace ModelRegistry.Cli;

/// <summary>
/// <c>mreg shadow list | adopt | dismiss</c>: models seen serving whose digest no registered version has
/// (docs/deployments.md, "Inventory (heartbeats) and shadow models").
/// </summary>
public static class ShadowCommand
{
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromMinutes(1);

    private const string ByDescription = "who asks (recorded in the audit log); default: the OS user name";

    public static Command Build(Option<bool> json)
    {
        var all = new Option<bool>("--all") { Description = "also the dismissed, linked and since-registered ones" };
        var list = new Command("list",
            "shadow models, first seen first: digest, endpoints and environments, how many open intervals serve it now, first and last seen, "
            + "highest traffic share, triage (status, model, owner, register-by). By default only those to act on: untriaged, or adopted and not registered yet")
        {
            all,
        };
        list.SetAction((parse, ct) => ListAsync(CliSettings.Load(), parse.GetValue(all), parse.GetValue(json), Console.Out, ct));
        return new Command("shadow", "models serving that no registered version has the digest of (shadow models), and their triage")
        {
            list, Adopt(json), Dismiss(json),
        };
    }

    private static Command Adopt(Option<bool> json)
    {
        var digest = Digest();
        var model = new Option<string>("--model") { Description = "the registered model it is, or will be registered as", HelpName = "NAME", Required = true };
        var owner = new Option<string>("--owner") { Description = "who owns it until it is registered (required when no version has the digest)", HelpName = "O" };
        var registerBy = new Option<string>("--register-by")
        {
            Description = "the date it must be registered by (required when no version has the digest): 2026-12-31 (00:00 UTC) or a timestamp with offset",
            HelpName = "DATE",
        };
        registerBy.Validators.Add(r =>
        {
            if (ParseDate(r.GetValueOrDefault<string>()) is null)
                r.AddError($"--register-by {r.GetValueOrDefault<string>()}: expected a date (2026-12-31) or a timestamp with offset (2026-12-31T17:00:00Z)");
        });
        var (by, timeout) = (CommandOptions.By(ByDescription), CommandOptions.Timeout(DefaultTimeout));
        var adopt = new Command("adopt",
            "take ownership of a shadow model: publishes AdoptShadowModel and waits for ShadowModelTriaged. Linked to the registered version with the "
            + "digest when there is one (its model must be --model), otherwise adopted with --owner and --register-by. Audited. " + CommandOptions.ExitCodes("adopted or linked"))
        {
            digest, model, owner, registerBy, by, timeout,
        };
        adopt.SetAction((parse, ct) => AdoptAsync(CliSettings.Load(), new AdoptShadowModel
        {
            RequestId = Guid.NewGuid(),
            ManifestDigest = parse.GetRequiredValue(digest),
            ModelName = parse.GetRequiredValue(model),
            Owner = parse.GetValue(owner),
            RegisterBy = ParseDate(parse.GetValue(registerBy)),
            RequestedBy = parse.GetRequiredValue(by),
        }, CommandOptions.TimeoutOf(parse, timeout, DefaultTimeout), parse.GetValue(json), Console.Out, ct));
        return adopt;
    }

    private static Command Dismiss(Option<bool> json)
    {
        var digest = Digest();
        var reason = new Option<string>("--reason") { Description = "why it needs no registration (kept in the audit log)", HelpName = "TEXT", Required = true };
        var (by, timeout) = (CommandOptions.By(ByDescription), CommandOptions.Timeout(DefaultTimeout));
        var dismiss = new Command("dismiss",
            "this digest needs no registration: publishes DismissShadowModel and waits for ShadowModelTriaged. Audited. " + CommandOptions.ExitCodes("dismissed"))
        {
            digest, reason, by, timeout,
        };
        dismiss.SetAction((parse, ct) => DismissAsync(CliSettings.Load(), new DismissShadowModel
        {
            RequestId = Guid.NewGuid(),
            ManifestDigest = parse.GetRequiredValue(digest),
            Reason = parse.GetRequiredValue(reason),
            RequestedBy = parse.GetRequiredValue(by),
        }, CommandOptions.TimeoutOf(parse, timeout, DefaultTimeout), parse.GetValue(json), Console.Out, ct));
        return dismiss;
    }

    /// <summary>Publishes <paramref name="request"/> and waits up to <paramref name="timeout"/> for its ShadowModelTriaged.</summary>
    public static Task<int> AdoptAsync(CliSettings settings, AdoptShadowModel request, TimeSpan timeout, bool json, TextWriter output, CancellationToken ct) =>
        ShadowTriageCommand.RunAsync(settings, request, timeout, json, output, ct);

    /// <summary>Publishes <paramref name="request"/> and waits up to <paramref name="timeout"/> for its ShadowModelTriaged.</summary>
    public static Task<int> DismissAsync(CliSettings settings, DismissShadowModel request, TimeSpan timeout, bool json, TextWriter output, CancellationToken ct) =>
        ShadowTriageCommand.RunAsync(settings, request, timeout, json, output, ct);

    public static Task<int> ListAsync(CliSettings settings, bool all, bool json, TextWriter output, CancellationToken ct) =>
        CliDatabase.ReadAsync(settings, async connection =>
        {
            var shadows = await ShadowQueries.ListAsync(connection, all, ct);
            if (json) CliJson.Write(output, shadows);
            else Print(shadows, all, output);
            return 0;
        }, ct);

    private static void Print(IReadOnlyList<ShadowModelSummary> shadows, bool all, TextWriter o)
    {
        if (shadows.Count == 0)
        {
            o.WriteLine(all ? "no shadow models seen" : "no shadow models to act on (--all shows the triaged ones)");
            return;
        }
        o.WriteLine($"{"manifest digest",-71}  {"now",3} {"first seen (UTC)",-16}  {"last seen (UTC)",-16}  {"traffic",7}  {"triage",-10} endpoints");
        foreach (var s in shadows)
        {
            o.WriteLine($"{s.ManifestDigest,-71}  {s.ServingNow,3} {Time(s.FirstSeenAt),-16}  {Time(s.LastSeenAt),-16}  {s.MaxTrafficPercent,6:0.##}%  "
                + $"{Status(s),-10} {string.Join(", ", s.Endpoints)} ({string.Join(", ", s.Environments)})");
            if (Triage(s) is { } detail) o.WriteLine($"  {detail}");
        }
    }

    private static string Status(ShadowModelSummary s) => s.RegisteredAs is not null && s.TriageStatus is null ? "registered" : s.TriageStatus ?? "untriaged";

    private static string? Triage(ShadowModelSummary s) => s.TriageStatus switch
    {
        "adopted" => $"{s.TriageModel}{(s.RegisteredAs is null ? "" : $" (registered as {s.RegisteredAs})")}, owner {s.Owner ?? "-"}, register by "
            + $"{(s.RegisterBy is { } d ? Time(d) : "-")}; by {s.TriagedBy} {Time(s.TriagedAt!.Value)}",
        "dismissed" => $"dismissed by {s.TriagedBy} {Time(s.TriagedAt!.Value)}: {s.Reason?.ReplaceLineEndings(" ")}",
        _ => s.RegisteredAs is null ? (s.ReportedNames is null ? null : $"reported as {s.ReportedNames}") : $"registered since as {s.RegisteredAs}",
    };

    private static string Time(DateTime t) => t.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture);

    /// <summary>A date alone is 00:00 UTC that day; a timestamp must carry its offset.</summary>
    public static DateTimeOffset? ParseDate(string? text)
    {
        if (string.IsNullOrWhiteSpace(text)) return null;
        if (DateOnly.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var date))
            return new DateTimeOffset(date.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero);
        var hasOffset = text.EndsWith('Z') || text.EndsWith('z') || System.Text.RegularExpressions.Regex.IsMatch(text, @"[+-]\d\d:?\d\d$");
        return hasOffset && DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.None, out var at) ? at : null;
    }

    private static Argument<string> Digest() => new("DIGEST") { Description = "the shadow model's manifest digest (sha256:...)" };
}
