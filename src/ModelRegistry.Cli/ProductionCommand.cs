using System.CommandLine;
using ModelRegistry.Deployments;

namespace ModelRegistry.Cli;

/// <summary><c>mreg production</c>: every model version serving in production now, per endpoint, registered or not.</summary>
public static class ProductionCommand
{
    public static Command Build(Option<bool> json)
    {
        var production = new Command("production",
            "every model version serving on a production endpoint now (open intervals), per endpoint; an artifact no version has is shown as UNREGISTERED with its digest");
        production.SetAction((parse, ct) => RunAsync(CliSettings.Load(), parse.GetValue(json), Console.Out, ct));
        return production;
    }

    public static Task<int> RunAsync(CliSettings settings, bool json, TextWriter output, CancellationToken ct) =>
        CliDatabase.ReadAsync(settings, async connection =>
        {
            var serving = await DeploymentQueries.ServingNowAsync(connection, DeploymentQueries.Production, ct);
            if (json)
            {
                CliJson.Write(output, serving);
                return 0;
            }
            if (serving.Count == 0)
            {
                output.WriteLine("nothing is recorded serving in production");
                return 0;
            }
            var endpoints = serving.Select(i => i.EndpointId).Distinct().Count();
            var unregistered = serving.Count(i => !i.Registered);
            output.WriteLine($"{serving.Count} serving on {endpoints} production endpoint(s), {unregistered} unregistered");
            output.WriteLine($"{"endpoint",-28} {"deployment",-20} {"model/version",-28} {"traffic",7}  {"since (UTC)",-20}  {"source",-8} manifest digest");
            foreach (var i in serving)
                output.WriteLine($"{i.EndpointId,-28} {DeploymentsCommand.Deployment(i),-20} {DeploymentsCommand.Label(i, "UNREGISTERED"),-28} " +
                    $"{DeploymentsCommand.Percent(i.TrafficPercent),7}  {DeploymentsCommand.Time(i.From),-20}  {i.Source,-8} {i.ManifestDigest ?? "-"}");
            return 0;
        }, ct);
}
