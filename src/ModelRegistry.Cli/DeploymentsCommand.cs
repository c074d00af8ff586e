using System.CommandLine;
using System.Globalization;
using ModelRegistry.Deployments;

namespace ModelRegistry.Cli;

/// <summary><c>mreg deployments list</c>: the interval history, newest first; and the columns the other history commands share.</summary>
public static class DeploymentsCommand
{
    public const int DefaultListLimit = 50;

    public static Command Build(Option<bool> json)
    {
        var endpoint = new Option<string>("--endpoint") { Description = "only intervals of this endpoint", HelpName = "ENDPOINT" };
        var model = new Option<string>("--model") { Description = "only intervals of versions of this model", HelpName = "NAME" };
        var limit = new Option<int>("--limit")
        {
            Description = $"show at most the N newest (default {DefaultListLimit})", HelpName = "N", DefaultValueFactory = _ => DefaultListLimit,
        };
        limit.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<int>() < 1) result.AddError("--limit must be at least 1");
        });
        var list = new Command("list",
            "deployment history intervals [from, to), newest first: endpoint, deployment, model/version (or unregistered), traffic, source, what closed it")
        {
            endpoint, model, limit,
        };
        list.SetAction((parse, ct) => ListAsync(CliSettings.Load(), parse.GetValue(endpoint), parse.GetValue(model), parse.GetValue(limit),
            parse.GetValue(json), Console.Out, ct));
        return new Command("deployments", "what served where and when (the deployments worker's interval history)") { list };
    }

    public static Task<int> ListAsync(CliSettings settings, string? endpoint, string? model, int limit, bool json, TextWriter output,
        CancellationToken ct) =>
        CliDatabase.ReadAsync(settings, async connection =>
        {
            var intervals = await DeploymentQueries.ListAsync(connection, endpoint, model, limit, ct);
            if (json)
            {
                CliJson.Write(output, intervals);
                return 0;
            }
            if (intervals.Count == 0)
            {
                output.WriteLine("no deployment intervals match");
                return 0;
            }
            output.WriteLine($"{"from (UTC)",-20}  {"to (UTC)",-20}  {"endpoint",-28} {"deployment",-20} {"model/version",-28} {"traffic",7}  {"source",-8} closed by");
            foreach (var i in intervals)
                output.WriteLine($"{Time(i.From),-20}  {Until(i.To),-20}  {i.EndpointId,-28} {Deployment(i),-20} {Label(i),-28} {Percent(i.TrafficPercent),7}  {i.Source,-8} {i.ClosedBy ?? "-"}");
            return 0;
        }, ct);

    /// <summary>"model/version", or <paramref name="unregistered"/> when the digest belongs to no registered version.</summary>
    internal static string Label(ServedInterval i, string unregistered = "unregistered") =>
        i.Registered ? $"{i.ModelName}/{i.Version}" : unregistered;

    /// <summary>The platform's deployment id; "(observed)" for an interval a heartbeat opened (its digest says what it is).</summary>
    internal static string Deployment(ServedInterval i) => i.Source == "observed" ? "(observed)" : i.DeploymentId;

    internal static string Time(DateTime t) => ModelsCommand.Time(t);

    /// <summary>An interval's end; "-" while it still serves.</summary>
    internal static string Until(DateTime? t) => t is { } end ? Time(end) : "-";

    internal static string Percent(double traffic) => traffic.ToString("0.##", CultureInfo.InvariantCulture) + "%";

    /// <summary>"3d 4h", "2h 05m", "12m 30s", "45s": how long something served, to two units.</summary>
    internal static string Duration(TimeSpan span)
    {
        if (span < TimeSpan.Zero) span = TimeSpan.Zero;
        if (span.TotalDays >= 1) return $"{(int)span.TotalDays}d {span.Hours}h";
        if (span.TotalHours >= 1) return $"{(int)span.TotalHours}h {span.Minutes:00}m";
        if (span.TotalMinutes >= 1) return $"{(int)span.TotalMinutes}m {span.Seconds:00}s";
        return $"{span.TotalSeconds:0}s";
    }
}
