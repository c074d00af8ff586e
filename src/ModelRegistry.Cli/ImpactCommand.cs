using ModelRegistry.Deployments;
using ModelRegistry.Deployments.Rules;

namespace ModelRegistry.Cli;

/// <summary>Where an impacted version serves now.</summary>
public sealed record ImpactServing(string Endpoint, string Environment, string DeploymentId, double TrafficPercent, DateTime Since, string Source);

/// <summary>
/// A version built from what the query names, with its stage and where it serves now. Depth 0: trained on the data set or
/// at the commit itself; n: that many base models removed. <see cref="BuiltFrom"/>: the base model it was fine-tuned from
/// directly (NAME:VERSION), whatever the depth.
/// </summary>
public sealed record ImpactVersion(string Model, int Version, Guid VersionId, string ManifestDigest, string Stage, int Depth, string? BuiltFrom,
    IReadOnlyList<ImpactServing> ServingNow);

/// <summary>What <c>mreg impact --json</c> prints.</summary>
public sealed record ImpactReport(string Kind, string Query, IReadOnlyList<ImpactVersion> Versions);

/// <summary>
/// <c>mreg impact --dataset D | --commit SHA | --base-model NAME[:VERSION]</c>: the versions built from it, transitively
/// through base models, each with its stage and the endpoints serving it now (docs/deployments.md, "Incident queries").
/// </summary>
public static class ImpactCommand
{
    public static async Task<int> RunAsync(CliSettings settings, string? dataset, string? commit, string? baseModel, bool json, TextWriter output,
        CancellationToken ct)
    {
        var given = new[] { dataset, commit, baseModel }.Count(x => x is not null);
        var (target, problem) = given != 1
            ? (null, "give exactly one of --dataset, --commit, --base-model")
            : dataset is not null ? ImpactTarget.Dataset(dataset)
            : commit is not null ? ImpactTarget.Commit(commit)
            : ImpactTarget.BaseModel(baseModel);
        if (target is null)
        {
            await Console.Error.WriteLineAsync($"mreg: {problem}; see mreg impact --help");
            return MregCommand.ExitBadArguments;
        }
        return await CliDatabase.ReadAsync(settings, async connection =>
        {
            var answer = await ImpactQueries.FindAsync(connection, target, ct);
            // An empty answer to a typo would read as "nothing affected": a target that names nothing is not found, exit 1.
            if (answer.Roots == 0) return await CliDatabase.NotFoundAsync(NothingNamed(target));
            var serving = answer.Serving.ToLookup(s => s.VersionId);
            var versions = answer.Versions.Select(v => new ImpactVersion(v.ModelName, v.Version, v.VersionId, v.ManifestDigest, v.Stage, v.Depth,
                v.BaseModelName is null ? null : $"{v.BaseModelName}:{v.BaseVersion}",
                serving[v.VersionId].Select(s => new ImpactServing(s.EndpointId, s.Environment, s.DeploymentId, s.TrafficPercent, s.Since, s.Source))
                    .ToList())).ToList();
            var report = new ImpactReport(KindName(target.Kind), target.Text, versions);
            if (json) CliJson.Write(output, report);
            else Print(report, answer.Roots, output);
            return 0;
        }, ct);
    }

    private static string KindName(ImpactKind kind) => kind switch
    {
        ImpactKind.Dataset => "dataset",
        ImpactKind.Commit => "commit",
        _ => "base-model",
    };

    private static string NothingNamed(ImpactTarget t) => t.Kind switch
    {
        ImpactKind.Dataset => $"no registered version was trained on a data set with digest, name or name@version {t.Text} "
            + "(`mreg versions show NAME VERSION` lists a version's data sets)",
        ImpactKind.Commit => $"no registered version was trained from a commit matching {t.Text}",
        _ => t.ModelVersion is { } v ? $"{t.Name} has no version {v} (see `mreg models show {t.Name}`)" : $"no model {t.Name} (see `mreg models list`)",
    };

    private static void Print(ImpactReport r, int roots, TextWriter o)
    {
        var serving = r.Versions.Count(v => v.ServingNow.Count > 0);
        var endpoints = r.Versions.SelectMany(v => v.ServingNow).Select(s => s.Endpoint).Distinct().Count();
        o.WriteLine($"impact of {r.Kind} {r.Query}: {r.Versions.Count} version(s), {serving} serving now on {endpoints} endpoint(s)");
        if (r.Kind == "base-model") o.WriteLine($"  ({roots} version(s) of the base model itself are not listed)");
        if (r.Versions.Count == 0) return;
        o.WriteLine($"{"model/version",-32} {"stage",-11} {"how",-36} serving now");
        foreach (var v in r.Versions)
        {
            var how = v.Depth == 0 ? $"{r.Kind} directly" : $"fine-tuned from {v.BuiltFrom}{(v.Depth > 1 ? $" ({v.Depth} bases removed)" : "")}";
            var where = v.ServingNow.Count == 0 ? "-" : string.Join(", ", v.ServingNow.Select(s => $"{s.Endpoint} ({s.Environment}, {s.TrafficPercent}%)"));
            o.WriteLine($"{$"{v.Model}/{v.Version}",-32} {v.Stage,-11} {how,-36} {where}");
        }
    }
}
