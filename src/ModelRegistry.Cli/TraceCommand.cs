using System.CommandLine;
using System.Globalization;
using ModelRegistry.Deployments;

namespace ModelRegistry.Cli;

/// <summary><c>mreg trace</c> as <c>--json</c> shows it: the endpoint, the instant asked about, and every interval containing it.</summary>
public sealed record TraceResult(string EndpointId, DateTimeOffset At, IReadOnlyList<ServedInterval> Intervals);

/// <summary><c>mreg trace --endpoint E --at T</c>: what served on an endpoint at an instant (intervals [from, to) containing it).</summary>
public static class TraceCommand
{
    public static Command Build(Option<bool> json)
    {
        var endpoint = new Option<string>("--endpoint") { Description = "the endpoint", HelpName = "ENDPOINT", Required = true };
        var at = new Option<DateTimeOffset>("--at")
        {
            Description = "the instant: ISO 8601 with a UTC offset, e.g. 2026-02-01T09:05:00Z or 2026-02-01T10:05:00+01:00",
            HelpName = "T",
            Required = true,
            CustomParser = result =>
            {
                var text = result.Tokens.Count == 0 ? "" : result.Tokens[0].Value;
                if (ParseInstant(text) is { } instant) return instant;
                result.AddError($"--at {text}: expected an ISO 8601 time with a UTC offset, e.g. 2026-02-01T09:05:00Z "
                    + "(without one it would be read in this machine's time zone)");
                return default;
            },
        };
        var trace = new Command("trace",
            "what served on ENDPOINT at instant T: each interval [from, to) containing T with its deployment, model/version (or unregistered), "
            + "manifest digest, traffic and source; exits 1 when the registry never heard of the endpoint")
        {
            endpoint, at,
        };
        trace.SetAction((parse, ct) => RunAsync(CliSettings.Load(), parse.GetRequiredValue(endpoint), parse.GetValue(at), parse.GetValue(json),
            Console.Out, ct));
        return trace;
    }

    /// <summary>An ISO 8601 date and time with 'Z' or an offset; null for anything else, a time without an offset included.</summary>
    public static DateTimeOffset? ParseInstant(string text)
    {
        var t = text.IndexOfAny(['T', 't']);
        if (t < 0 || text.AsSpan(t + 1).IndexOfAny(['Z', 'z', '+', '-']) < 0) return null;
        return DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.None, out var instant) ? instant : null;
    }

    public static Task<int> RunAsync(CliSettings settings, string endpoint, DateTimeOffset at, bool json, TextWriter output, CancellationToken ct) =>
        CliDatabase.ReadAsync(settings, async connection =>
        {
            if (!await DeploymentQueries.EndpointExistsAsync(connection, endpoint, ct))
                return await CliDatabase.NotFoundAsync($"no endpoint '{endpoint}' (the registry has recorded no event of it; see `mreg deployments list`)");
            var intervals = await DeploymentQueries.TraceAsync(connection, endpoint, at, ct);
            if (json)
            {
                CliJson.Write(output, new TraceResult(endpoint, at, intervals));
                return 0;
            }
            var when = at.ToUniversalTime().ToString("yyyy-MM-dd HH:mm:ss.FFFFFFZ", CultureInfo.InvariantCulture);
            if (intervals.Count == 0)
            {
                output.WriteLine($"nothing served on {endpoint} at {when}");
                return 0;
            }
            output.WriteLine($"on {endpoint} at {when}:");
            output.WriteLine($"{"deployment",-20} {"model/version",-28} {"traffic",7}  {"from (UTC)",-20}  {"to (UTC)",-20}  {"source",-8} manifest digest");
            foreach (var i in intervals)
                output.WriteLine($"{DeploymentsCommand.Deployment(i),-20} {DeploymentsCommand.Label(i),-28} {DeploymentsCommand.Percent(i.TrafficPercent),7}  " +
                    $"{DeploymentsCommand.Time(i.From),-20}  {DeploymentsCommand.Until(i.To),-20}  {i.Source,-8} {i.ManifestDigest ?? "-"}");
            return 0;
        }, ct);
}
