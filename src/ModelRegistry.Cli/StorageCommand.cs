using System.CommandLine;
using System.Globalization;
using Microsoft.Extensions.Configuration;
using ModelRegistry.Contracts.Retention;
using ModelRegistry.Platform;
using ModelRegistry.Platform.Artifacts;
using ModelRegistry.Retention;

namespace ModelRegistry.Cli;

/// <summary>
/// <c>mreg storage report</c>: bytes stored, archived and deleted by team, stage and model, the projected monthly cost
/// and the growth over 12 months (docs/retention.md, "Storage report"). Reads the database and stats the artifact store
/// directly (Artifacts__Root, Artifacts__ArchiveRoot); no broker needed.
/// </summary>
public static class StorageCommand
{
    public static Command Build(Option<bool> json)
    {
        var report = new Command("report",
            "bytes in the primary store (Artifacts__Root), the archive tier (Artifacts__ArchiveRoot) and deleted by retention, each object once (where its "
            + "bytes are on disk now), by team, stage (current) and model (top 100), attributed to the earliest-registered version that references it; "
            + "the projected monthly cost from Retention__StoredPricePerGbMonth and Retention__ArchivePricePerGbMonth (GB = 10^9 bytes); bytes at the end "
            + "of each of the last 12 months. Exit codes: 0, 2 bad settings, 3 database unreachable.");
        report.SetAction((parse, ct) => ReportAsync(CliSettings.Load(), LoadOptions(), parse.GetValue(json), Console.Out, ct));
        return new Command("storage", "what the artifacts take and cost") { report };
    }

    public static Task<int> ReportAsync(CliSettings settings, RetentionOptions options, bool json, TextWriter output, CancellationToken ct) =>
        CliDatabase.ReadAsync(settings, async connection =>
        {
            var report = await StorageReportQuery.RunAsync(connection, null, new ContentAddressedStore(settings.Artifacts), options, Guid.NewGuid(),
                DateTimeOffset.UtcNow, ct);
            if (json) CliJson.Write(output, report);
            else Print(report, options, output);
            return 0;
        }, ct);

    /// <summary>The Retention settings (the prices) from the environment, checked as the host checks them: a bad one is exit 2.</summary>
    private static RetentionOptions LoadOptions()
    {
        var settings = new SettingsBinder(new ConfigurationBuilder().AddEnvironmentVariables().Build());
        var options = settings.Bind<RetentionOptions>(RetentionOptions.Section);
        if (settings.Errors.Count == 0) return options;
        foreach (var problem in settings.Errors) Console.Error.WriteLine($"mreg: {problem}");
        Environment.Exit(2);
        return options; // not reached
    }

    private static void Print(StorageReportGenerated r, RetentionOptions options, TextWriter o)
    {
        o.WriteLine($"storage report {r.GeneratedAt.UtcDateTime.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture)} UTC; prices per GB-month "
            + $"(GB = 10^9 bytes): stored {options.StoredPricePerGbMonth} {r.Currency}, archived {options.ArchivePricePerGbMonth} {r.Currency}");
        Header(o, "");
        Row(o, new StorageLine { Key = "total", StoredBytes = r.StoredBytes, ArchivedBytes = r.ArchivedBytes, DeletedBytes = r.DeletedBytes, MonthlyCost = r.MonthlyCost },
            r.Currency);
        Section(o, "by team", r.ByTeam, r.Currency);
        Section(o, "by stage (current stage of the version the bytes are attributed to)", r.ByStage, r.Currency);
        Section(o, $"top models ({r.TopModels.Count})", r.TopModels, r.Currency);
        o.WriteLine();
        o.WriteLine("growth (bytes at the end of each month; this month: now)");
        o.WriteLine($"  {"month",-7}  {"stored",18}  {"archived",18}  {"deleted",18}");
        foreach (var m in r.Growth) o.WriteLine($"  {m.Month,-7}  {N(m.StoredBytes),18}  {N(m.ArchivedBytes),18}  {N(m.DeletedBytes),18}");
    }

    private static void Section(TextWriter o, string title, List<StorageLine> lines, string currency)
    {
        o.WriteLine();
        o.WriteLine(title);
        if (lines.Count == 0) o.WriteLine("  (none)");
        foreach (var line in lines) Row(o, line, currency, indent: "  ");
    }

    private static void Header(TextWriter o, string indent) =>
        o.WriteLine($"{indent}{"",-32}  {"stored bytes",18}  {"archived bytes",18}  {"deleted bytes",18}  {"cost / month",14}");

    private static void Row(TextWriter o, StorageLine l, string currency, string indent = "") =>
        o.WriteLine($"{indent}{l.Key,-32}  {N(l.StoredBytes),18}  {N(l.ArchivedBytes),18}  {N(l.DeletedBytes),18}  "
            + $"{l.MonthlyCost.ToString("0.0000", CultureInfo.InvariantCulture),10} {currency}");

    private static string N(long bytes) => bytes.ToString("N0", CultureInfo.InvariantCulture);
}
