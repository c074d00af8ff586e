using System.Globalization;
using System.Text.RegularExpressions;
using ModelRegistry.Deployments;
using ModelRegistry.Evaluation;
using ModelRegistry.Platform.Artifacts;
using ModelRegistry.Platform.Rules;
using ModelRegistry.Registration;
using Npgsql;

namespace ModelRegistry.Cli;

/// <summary>What <c>mreg reproduce --json</c> prints: where everything was written, and the provenance document.</summary>
public sealed record ReproduceReport(string Directory, string ProvenanceFile, ProvenanceDocument Provenance);

/// <summary>
/// <c>mreg reproduce --endpoint E --at T --to DIR</c>: finds what served on E at T in the interval history, writes each
/// artifact's files under <c>DIR/&lt;model&gt;-v&lt;version&gt;/</c> (verified while written) and <c>DIR/provenance.json</c>.
/// </summary>
public static partial class ReproduceCommand
{
    public static async Task<int> RunAsync(CliSettings settings, string endpoint, string at, string to, string? deployment, bool force, bool json,
        TextWriter output, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(settings);
        if (ParseInstant(at) is not { } instant)
        {
            await Console.Error.WriteLineAsync($"mreg: --at {FieldRules.Shown(at)}: expected an ISO 8601 instant with an offset, e.g. 2026-11-26T12:00:00Z");
            return MregCommand.ExitBadArguments;
        }
        var directory = Path.GetFullPath(to);
        return await CliDatabase.ReadAsync(settings, async connection =>
        {
            var (environment, served) = await ProvenanceQueries.ServedAtAsync(connection, endpoint, instant, ct);
            if (environment is null) return await CliDatabase.NotFoundAsync($"no endpoint {endpoint}: no serving platform has reported it");
            var chosen = served.Where(s => deployment is null || s.DeploymentId == deployment).ToList();
            if (chosen.Count == 0)
                return await CliDatabase.NotFoundAsync(served.Count == 0
                    ? $"nothing served on {endpoint} at {Shown(instant)}"
                    : $"deployment {deployment} did not serve on {endpoint} at {Shown(instant)}; these did: {string.Join(", ", served.Select(s => s.DeploymentId))}");
            if (chosen.FirstOrDefault(s => s.VersionId is null) is { } shadow) return await UnregisteredAsync(endpoint, instant, shadow, chosen.Count);
            if (ArtifactFetcher.PrepareDirectory(directory, force) is { } notReady) return await FetchCommand.FailedAsync(notReady);

            if (!json) output.WriteLine($"{endpoint} ({environment}) at {Shown(instant)}: {chosen.Count} deployment(s) serving; writing to {directory}");
            var store = new ContentAddressedStore(settings.Artifacts);
            var artifacts = new List<ServedArtifact>();
            // Two deployments of one version (a traffic split between its copies) share its folder, written once.
            var written = new Dictionary<Guid, FetchedManifest>();
            foreach (var interval in chosen)
            {
                var (artifact, problem) = await ReproduceAsync(connection, store, interval, directory, force, instant, written, json ? null : output, ct);
                if (problem is not null) return await FetchCommand.FailedAsync(problem);
                artifacts.Add(artifact!);
            }

            var document = new ProvenanceDocument(endpoint, environment, instant, DateTimeOffset.UtcNow, artifacts);
            var provenanceFile = Path.Join(directory, ProvenanceDocument.FileName);
            await ArtifactFetcher.WriteJsonAsync(provenanceFile, document, ct);
            if (json) CliJson.Write(output, new ReproduceReport(directory, provenanceFile, document));
            else Print(document, provenanceFile, output);
            return 0;
        }, ct);
    }

    /// <summary>Fetches one served version into its folder and gathers its record.</summary>
    private static async Task<(ServedArtifact? Artifact, string? Problem)> ReproduceAsync(NpgsqlConnection connection, IArtifactStore store,
        ServedAtInstant interval, string directory, bool force, DateTimeOffset at, Dictionary<Guid, FetchedManifest> written, TextWriter? progress,
        CancellationToken ct)
    {
        var (name, version) = (interval.ModelName!, interval.Version!.Value);
        if (await VersionQueries.FindAsync(connection, name, version, ct) is not { } row) return (null, $"{name} version {version} is gone from the registry");
        var contents = await VersionQueries.ContentsAsync(connection, row.VersionId, ct);
        var folder = $"{name}-v{version}";
        var target = Path.Join(directory, folder);
        Directory.CreateDirectory(target);
        progress?.WriteLine($"{interval.DeploymentId}: {name} version {version} ({row.ManifestDigest}), {interval.TrafficPercent}% of traffic, into {folder}/");
        if (!written.TryGetValue(row.VersionId, out var fetched))
        {
            string? problem;
            (fetched, problem) = await ArtifactFetcher.FetchAsync(store, name, version, row.VersionId, row.ManifestDigest, contents.Files, target,
                force, progress, ct);
            if (problem is not null) return (null, problem);
            written[row.VersionId] = fetched!;
        }

        var evaluations = (await EvaluationQueries.ForVersionAsync(connection, row.VersionId, ct)).Select(VersionsCommand.Shown).ToList();
        var provenance = await ProvenanceQueries.OfVersionAsync(connection, row.VersionId, name, version, ct);
        return (ProvenanceDocument.Artifact(interval, folder, row, contents, evaluations, provenance, fetched!, at), null);
    }

    private static async Task<int> UnregisteredAsync(string endpoint, DateTimeOffset at, ServedAtInstant shadow, int count)
    {
        var what = shadow.ManifestDigest ?? $"{shadow.ReportedName} version {shadow.ReportedVersion}";
        var reported = shadow.ManifestDigest is not null && shadow.ReportedName is not null ? $", reported as {shadow.ReportedName}" : "";
        await Console.Error.WriteLineAsync($"mreg: {endpoint} served {what} at {Shown(at)} (deployment {shadow.DeploymentId}{reported}), which is not a "
            + "registered version: the registry has no bytes to reproduce (a shadow model; see `mreg shadow list`)"
            + (count > 1 ? "; --deployment ID reproduces one of the registered deployments that served with it" : ""));
        return 1;
    }

    /// <summary>An ISO 8601 instant with an explicit offset ('Z' or ±hh:mm); without one it would silently be local time.</summary>
    public static DateTimeOffset? ParseInstant(string? text) =>
        text is not null && WithOffset().IsMatch(text)
            && DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.None, out var instant)
            ? instant
            : null;

    [GeneratedRegex(@"^\d{4}-\d{2}-\d{2}T[0-9:.]+(Z|[+-]\d{2}:\d{2})$", RegexOptions.CultureInvariant)]
    private static partial Regex WithOffset();

    private static string Shown(DateTimeOffset t) => t.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.FFFFFFF'Z'", CultureInfo.InvariantCulture);

    private static void Print(ProvenanceDocument d, string provenanceFile, TextWriter o)
    {
        foreach (var a in d.Served)
        {
            o.WriteLine();
            o.WriteLine($"{a.Model} version {a.Version}  {a.ManifestDigest}");
            o.WriteLine($"  deployment     {a.Deployment.DeploymentId}  {a.Deployment.TrafficPercent}%  [{Shown(a.Deployment.From)}, {(a.Deployment.To is { } end ? Shown(end) : "now")})  {a.Deployment.Source}");
            o.WriteLine($"  stage          {a.StageAtInstant} at that instant, {a.StageAtDeployment} when deployed");
            o.WriteLine($"  training run   {a.TrainingRun?.Id ?? "-"}{(a.TrainingRun?.Url is { } url ? "  " + url : "")}");
            o.WriteLine($"  code           {(a.Code is { } c ? $"{c.Repository} @ {c.Commit}" : "-")}");
            foreach (var ds in a.Datasets) o.WriteLine($"  dataset        {ds.Name} {ds.Version}  {ds.Digest}");
            foreach (var b in a.BaseModels) o.WriteLine($"  base model     {new string(' ', 2 * (b.Depth - 1))}{b.Model} version {b.Version}  {b.ManifestDigest}");
            foreach (var e in a.Evaluations)
                o.WriteLine($"  evaluation     {e.Suite}  max finding {e.MaxFindingSeverity}{string.Concat(e.Metrics.Select(m => $"  {m.Key}={m.Value}"))}{(e.LatestOfSuite ? "" : "  (superseded)")}");
            foreach (var v in a.Approvals)
                o.WriteLine($"  approval       {v.Approver} as {v.Role}: {(v.Approved ? "approved" : "rejected")} {Shown(v.DecidedAt)}  to {v.TargetStage}  ticket {v.TicketId}  change {v.ChangeTicket ?? "-"}  promotion {v.PromotionId}");
            if (a.Approvals.Count == 0) o.WriteLine("  approval       - (no counted approval decision on any promotion of this version)");
        }
        o.WriteLine();
        o.WriteLine($"provenance  {provenanceFile}");
        o.WriteLine($"reproduce: ok, {d.Served.Count} artifact(s), {d.Served.Sum(a => a.Files.Count)} files verified");
    }

    private static string Shown(DateTime t) => Shown(new DateTimeOffset(t, TimeSpan.Zero));
}
