using System.CommandLine;
using System.Globalization;
using ModelRegistry.Contracts.Retention;
using ModelRegistry.Retention;

namespace ModelRegistry.Cli;

/// <summary>
/// <c>mreg hold place | release | list</c>: legal holds, which keep a model or one version from retention whatever the
/// policy says (docs/retention.md, "Legal holds"). Placing and releasing need the legal-hold role of the broker user mreg
/// connects as.
/// </summary>
public static class HoldCommand
{
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromMinutes(1);

    private const string ByDescription = "who asks (recorded in the audit log as information; the principal is the broker user); default: the OS user name";

    public static Command Build(Option<bool> json)
    {
        var all = new Option<bool>("--all") { Description = "also the released holds" };
        var list = new Command("list", "open legal holds, oldest first: hold id, model, version (or every version), placed by and when, reason") { all };
        list.SetAction((parse, ct) => ListAsync(CliSettings.Load(), parse.GetValue(all), parse.GetValue(json), Console.Out, ct));
        return new Command("hold", "legal holds: keep a model or a version from retention until released (needs the legal-hold role)")
        {
            Place(json), Release(json), list,
        };
    }

    private static Command Place(Option<bool> json)
    {
        var model = new Argument<string>("MODEL") { Description = "the model" };
        var version = new Option<int?>("--version") { Description = "only this version (default: every version of the model, present and future)", HelpName = "N" };
        version.Validators.Add(r =>
        {
            if (r.GetValueOrDefault<int?>() is < 1) r.AddError("--version must be at least 1");
        });
        var (reason, by, timeout) = (Reason("why (1-1,000 characters), e.g. the matter or case number"), CommandOptions.By(ByDescription), CommandOptions.Timeout(DefaultTimeout));
        var place = new Command("place",
            "place a legal hold: publishes PlaceLegalHold and waits for LegalHoldChanged; prints the hold id (release it with `mreg hold release`). Audited. "
            + CommandOptions.ExitCodes("placed"))
        {
            model, version, reason, by, timeout,
        };
        place.SetAction((parse, ct) => PlaceAsync(CliSettings.Load(), new PlaceLegalHold
        {
            RequestId = Guid.NewGuid(),
            ModelName = parse.GetRequiredValue(model),
            Version = parse.GetValue(version),
            Reason = parse.GetRequiredValue(reason),
            RequestedBy = parse.GetRequiredValue(by),
        }, CommandOptions.TimeoutOf(parse, timeout, DefaultTimeout), parse.GetValue(json), Console.Out, ct));
        return place;
    }

    private static Command Release(Option<bool> json)
    {
        var hold = new Argument<Guid>("HOLD_ID") { Description = "the hold (as `mreg hold list` shows it)" };
        var (reason, by, timeout) = (Reason("why it is released (1-1,000 characters)"), CommandOptions.By(ByDescription), CommandOptions.Timeout(DefaultTimeout));
        var release = new Command("release", "release a legal hold: publishes ReleaseLegalHold and waits for LegalHoldChanged. Audited. " + CommandOptions.ExitCodes("released"))
        {
            hold, reason, by, timeout,
        };
        release.SetAction((parse, ct) => ReleaseAsync(CliSettings.Load(), new ReleaseLegalHold
        {
            RequestId = Guid.NewGuid(),
            HoldId = parse.GetRequiredValue(hold),
            Reason = parse.GetRequiredValue(reason),
            RequestedBy = parse.GetRequiredValue(by),
        }, CommandOptions.TimeoutOf(parse, timeout, DefaultTimeout), parse.GetValue(json), Console.Out, ct));
        return release;
    }

    /// <summary>Publishes <paramref name="request"/> and waits up to <paramref name="timeout"/> for its LegalHoldChanged.</summary>
    public static Task<int> PlaceAsync(CliSettings settings, PlaceLegalHold request, TimeSpan timeout, bool json, TextWriter output, CancellationToken ct) =>
        HoldRequestCommand.RunAsync(settings, request, timeout, json, output, ct);

    /// <summary>Publishes <paramref name="request"/> and waits up to <paramref name="timeout"/> for its LegalHoldChanged.</summary>
    public static Task<int> ReleaseAsync(CliSettings settings, ReleaseLegalHold request, TimeSpan timeout, bool json, TextWriter output, CancellationToken ct) =>
        HoldRequestCommand.RunAsync(settings, request, timeout, json, output, ct);

    public static Task<int> ListAsync(CliSettings settings, bool all, bool json, TextWriter output, CancellationToken ct) =>
        CliDatabase.ReadAsync(settings, async connection =>
        {
            var holds = await LegalHoldQueries.ListAsync(connection, all, ct);
            if (json) CliJson.Write(output, holds);
            else Print(holds, all, output);
            return 0;
        }, ct);

    private static void Print(IReadOnlyList<LegalHoldSummary> holds, bool all, TextWriter o)
    {
        if (holds.Count == 0)
        {
            o.WriteLine(all ? "no legal holds" : "no open legal holds (--all shows the released ones)");
            return;
        }
        o.WriteLine($"{"hold id",-36}  {"model",-30} {"version",-7}  {"placed (UTC)",-16}  {"by",-20} reason");
        foreach (var h in holds)
        {
            o.WriteLine($"{h.HoldId,-36}  {h.ModelName,-30} {(h.Version is { } v ? v.ToString(CultureInfo.InvariantCulture) : "all"),-7}  "
                + $"{Time(h.PlacedAt),-16}  {h.PlacedBy,-20} {h.Reason.ReplaceLineEndings(" ")}");
            if (h.ReleasedAt is { } at) o.WriteLine($"  released {Time(at)} by {h.ReleasedBy}: {h.ReleaseReason?.ReplaceLineEndings(" ")}");
        }
    }

    private static string Time(DateTime t) => t.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture);

    private static Option<string> Reason(string description) => new("--reason") { Description = description, HelpName = "TEXT", Required = true };
}
