using System.CommandLine;

namespace ModelRegistry.Cli;

/// <summary>The command-line shape of <c>mreg artifact fetch</c>, <c>mreg reproduce</c> and <c>mreg impact</c>.</summary>
public static class ReproduceCommandLine
{
    private const string FetchExitCodes =
        "Exit codes: 0 every file written and verified, 1 unknown version or digest, DIR not empty without --force, a stored file missing or "
        + "corrupt (named on stderr; nothing is left at its path), 2 bad arguments, 3 database unreachable.";

    public static IEnumerable<Command> Build(Option<bool> json) => [Reproduce(json), Impact(json)];

    public static Command Fetch(Option<bool> json)
    {
        var name = new Argument<string?>("NAME") { Description = "the model's name (or give --digest)", Arity = ArgumentArity.ZeroOrOne };
        var version = new Argument<int?>("VERSION") { Description = "the version number", Arity = ArgumentArity.ZeroOrOne };
        var digest = new Option<string>("--digest") { Description = "the version by its manifest digest instead of NAME VERSION", HelpName = "sha256:..." };
        var to = To();
        var force = Force();
        var manifest = new Option<string>("--manifest")
        {
            Description = $"where to write the manifest (default DIR/{ArtifactFetcher.ManifestFileName})", HelpName = "FILE",
        };
        var fetch = new Command("fetch",
            "write a version's files at their manifest paths under DIR, each SHA-256 and size verified while written (bad bytes never get "
            + $"the file's name), and DIR/{ArtifactFetcher.ManifestFileName} (model, version, manifest digest, files); the files written must "
            + "reproduce the version's manifest digest. " + FetchExitCodes)
        {
            name, version, digest, to, force, manifest,
        };
        fetch.Validators.Add(result =>
        {
            var byName = result.GetResult(name) is not null || result.GetResult(version) is not null;
            var byDigest = result.GetResult(digest) is not null;
            if (byName == byDigest) result.AddError("give NAME VERSION or --digest sha256:..., not both and not neither");
            else if (byName && (result.GetValue(name) is null || result.GetValue(version) is null)) result.AddError("give both NAME and VERSION");
        });
        fetch.SetAction((parse, ct) => FetchCommand.RunAsync(CliSettings.Load(),
            new FetchCommand.Target(parse.GetValue(name), parse.GetValue(version), parse.GetValue(digest)), parse.GetRequiredValue(to),
            parse.GetValue(force), parse.GetValue(manifest), parse.GetValue(json), Console.Out, ct));
        return fetch;
    }

    private static Command Reproduce(Option<bool> json)
    {
        var endpoint = new Option<string>("--endpoint") { Description = "the endpoint", HelpName = "E", Required = true };
        var at = new Option<string>("--at")
        {
            Description = "the instant, ISO 8601 with an offset, e.g. 2026-11-26T12:00:00Z (an interval serves from its start inclusive to its end exclusive)",
            HelpName = "T",
            Required = true,
        };
        var deployment = new Option<string>("--deployment")
        {
            Description = "only this deployment, when several served at T (a traffic split); default: every one", HelpName = "ID",
        };
        var to = To();
        var force = Force();
        var reproduce = new Command("reproduce",
            "fetch what served on endpoint E at instant T: each version's files into DIR/<model>-v<version>/, verified while written, and "
            + $"DIR/{ProvenanceDocument.FileName} (the deployment interval, version, manifest digest, training run, code commit, data sets, base "
            + "model chain, evaluations, approvals, promotions, stage history). Exit codes: 0 written and verified, 1 unknown endpoint, nothing "
            + "served at T, an unregistered digest served (the registry has no bytes), or a stored file missing or corrupt, 2 bad arguments, "
            + "3 database unreachable.")
        {
            endpoint, at, deployment, to, force,
        };
        reproduce.SetAction((parse, ct) => ReproduceCommand.RunAsync(CliSettings.Load(), parse.GetRequiredValue(endpoint), parse.GetRequiredValue(at),
            parse.GetRequiredValue(to), parse.GetValue(deployment), parse.GetValue(force), parse.GetValue(json), Console.Out, ct));
        return reproduce;
    }

    private static Command Impact(Option<bool> json)
    {
        var dataset = new Option<string>("--dataset")
        {
            Description = "a data set: its digest (sha256:...), its NAME (any version) or NAME@VERSION, as training lineage names it", HelpName = "D",
        };
        var commit = new Option<string>("--commit") { Description = "a code commit, 7-64 hex digits (abbreviated either way matches)", HelpName = "SHA" };
        var baseModel = new Option<string>("--base-model") { Description = "a base model: NAME (every version) or NAME:VERSION", HelpName = "NAME[:VERSION]" };
        var impact = new Command("impact",
            "the versions built from a data set, a commit or a base model, directly and transitively through base models (fine-tunes of "
            + "fine-tunes), each with its stage and the endpoints serving it now (environment, traffic share). Exit codes: 0 answered (even "
            + "when nothing built from it serves), 1 nothing registered names it, 2 bad arguments, 3 database unreachable.")
        {
            dataset, commit, baseModel,
        };
        impact.SetAction((parse, ct) => ImpactCommand.RunAsync(CliSettings.Load(), parse.GetValue(dataset), parse.GetValue(commit),
            parse.GetValue(baseModel), parse.GetValue(json), Console.Out, ct));
        return impact;
    }

    private static Option<string> To() => new("--to") { Description = "the folder to write to (created when missing)", HelpName = "DIR", Required = true };

    private static Option<bool> Force() => new("--force") { Description = "write into a folder that is not empty, replacing the files it writes" };
}
