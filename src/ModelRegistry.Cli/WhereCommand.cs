using System.CommandLine;
using ModelRegistry.Deployments;

namespace ModelRegistry.Cli;

/// <summary>One interval of <c>mreg where</c>: how long it served (until now when it still serves).</summary>
public sealed record WhereInterval(ServedInterval Interval, bool ServingNow, double ServedSeconds);

/// <summary><c>mreg where NAME VERSION</c>: every endpoint interval of a version, for an incident.</summary>
public static class WhereCommand
{
    public static Command Build(Option<bool> json)
    {
        var name = new Argument<string>("NAME") { Description = "the model's name" };
        var version = new Argument<int>("VERSION") { Description = "the version number" };
        var where = new Command("where",
            "every endpoint interval of a version, oldest first, with how long it served; those still serving are marked; exits 1 when there is no such version")
        {
            name, version,
        };
        where.SetAction((parse, ct) => RunAsync(CliSettings.Load(), parse.GetRequiredValue(name), parse.GetValue(version), DateTime.UtcNow,
            parse.GetValue(json), Console.Out, ct));
        return where;
    }

    public static Task<int> RunAsync(CliSettings settings, string name, int version, DateTime now, bool json, TextWriter output, CancellationToken ct) =>
        CliDatabase.ReadAsync(settings, async connection =>
        {
            if (await DeploymentQueries.WhereAsync(connection, name, version, ct) is not { } intervals)
                return await CliDatabase.NotFoundAsync($"no version {name} v{version}");
            var rows = intervals.Select(i => new WhereInterval(i, i.To is null, ((i.To ?? now) - i.From).TotalSeconds)).ToList();
            if (json)
            {
                CliJson.Write(output, rows);
                return 0;
            }
            if (rows.Count == 0)
            {
                output.WriteLine($"{name} v{version} never served on any endpoint the registry knows of");
                return 0;
            }
            var serving = rows.Where(r => r.ServingNow).Select(r => r.Interval.EndpointId).Distinct().Count();
            output.WriteLine($"{name} v{version}: {rows.Count} interval(s), serving now on {serving} endpoint(s)");
            output.WriteLine($"{"endpoint",-28} {"environment",-12} {"deployment",-20} {"traffic",7}  {"from (UTC)",-20}  {"to (UTC)",-20}  {"served",-9} now");
            foreach (var r in rows)
            {
                var i = r.Interval;
                output.WriteLine($"{i.EndpointId,-28} {i.Environment,-12} {DeploymentsCommand.Deployment(i),-20} {DeploymentsCommand.Percent(i.TrafficPercent),7}  " +
                    $"{DeploymentsCommand.Time(i.From),-20}  {DeploymentsCommand.Until(i.To),-20}  {DeploymentsCommand.Duration(TimeSpan.FromSeconds(r.ServedSeconds)),-9} " +
                    (r.ServingNow ? "SERVING" : "-"));
            }
            return 0;
        }, ct);
}
