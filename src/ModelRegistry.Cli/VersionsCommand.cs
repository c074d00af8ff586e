using System.Text.Json;
using ModelRegistry.Contracts;
using ModelRegistry.Evaluation;
using ModelRegistry.Platform.Rules;
using ModelRegistry.Registration;

namespace ModelRegistry.Cli;

public sealed record LineageBaseModel(string Name, int Version);
public sealed record VersionLineage(string TrainingRunId, string? TrainingRunUrl, string CodeRepository, string CodeCommit,
    IReadOnlyList<LineageDataset> Datasets, LineageBaseModel? BaseModel, JsonElement Hyperparameters);
public sealed record VersionEvaluation(Guid EvaluationId, string Suite, LineageDataset? Dataset, DateTime EvaluatedAt, DateTime RecordedAt,
    IReadOnlyDictionary<string, double> Metrics, string MaxFindingSeverity, IReadOnlyList<BiasAssessment> BiasAssessments,
    IReadOnlyList<SecurityFinding> SecurityFindings, bool LatestOfSuite);
public sealed record VersionDetail(string Model, int Version, Guid VersionId, string ManifestDigest, string IdempotencyKey, string? Description,
    string OwnerTeam, string RiskTier, DateTime TrainedAt, DateTime RegisteredAt, IReadOnlyDictionary<string, string> Tags,
    IReadOnlyList<VersionFile> Files, VersionLineage? Lineage, IReadOnlyList<VersionEvaluation> Evaluations, string Stage, DateTime? StageSince);

/// <summary><c>mreg versions show</c>: one version with everything that hangs off it.</summary>
public static class VersionsCommand
{
    public static Task<int> ShowAsync(CliSettings settings, string name, int version, bool json, TextWriter output, CancellationToken ct) =>
        CliDatabase.ReadAsync(settings, async connection =>
        {
            var row = await VersionQueries.FindAsync(connection, name, version, ct);
            if (row is null) return await CliDatabase.NotFoundAsync($"{name} has no version {version} (see `mreg models show {name}`)");
            var contents = await VersionQueries.ContentsAsync(connection, row.VersionId, ct);
            var (tags, files, lineageRow, datasets) = (contents.Tags, contents.Files, contents.Lineage, contents.Datasets);
            var evaluationRows = await EvaluationQueries.ForVersionAsync(connection, row.VersionId, ct);
            var stage = (await StageQueries.OfAsync(connection, [row.VersionId], ct))[row.VersionId];

            var lineage = lineageRow is null ? null : new VersionLineage(lineageRow.TrainingRunId, lineageRow.TrainingRunUrl,
                lineageRow.CodeRepository, lineageRow.CodeCommit, datasets,
                lineageRow is { BaseModelName: { } baseName, BaseModelVersion: { } baseVersion } ? new LineageBaseModel(baseName, baseVersion) : null,
                JsonDocument.Parse(lineageRow.Hyperparameters).RootElement.Clone());
            var evaluations = evaluationRows.Select(Shown).ToList();
            var detail = new VersionDetail(name, version, row.VersionId, row.ManifestDigest, row.IdempotencyKey, row.Description,
                row.OwnerTeam, row.RiskTier, row.TrainedAt, row.RegisteredAt, tags, files, lineage, evaluations, stage.Stage, stage.Since);

            if (json) CliJson.Write(output, detail);
            else Print(detail, output);
            return 0;
        }, ct);

    /// <summary>An evaluation as people see it: numbers to 15 significant digits (<see cref="ShownNumber"/>), findings worst first.</summary>
    internal static VersionEvaluation Shown(AttachedEvaluation e) => new(e.EvaluationId, e.Suite,
        e.DatasetName is null ? null : new LineageDataset(e.DatasetName, e.DatasetVersion ?? "", e.DatasetDigest ?? ""),
        e.EvaluatedAt, e.RecordedAt, e.Metrics.ToDictionary(m => m.Key, m => ShownNumber.Of(m.Value)), e.MaxFindingSeverity,
        e.BiasAssessments.Select(b => b with { Value = ShownNumber.Of(b.Value) }).ToList(),
        e.SecurityFindings.OrderByDescending(f => FindingSeverities.Rank(f.Severity)).ThenBy(f => f.Id, StringComparer.Ordinal).ToList(),
        e.LatestOfSuite);

    private static void Print(VersionDetail v, TextWriter o)
    {
        static string Time(DateTime t) => ModelsCommand.Time(t);
        o.WriteLine($"{v.Model} version {v.Version}");
        o.WriteLine($"  version id       {v.VersionId}");
        o.WriteLine($"  manifest digest  {v.ManifestDigest}");
        o.WriteLine($"  idempotency key  {v.IdempotencyKey}");
        o.WriteLine($"  owner team       {v.OwnerTeam}");
        o.WriteLine($"  risk tier        {v.RiskTier}");
        if (v.Description is not null) o.WriteLine($"  description      {v.Description}");
        o.WriteLine($"  trained          {Time(v.TrainedAt)}");
        o.WriteLine($"  registered       {Time(v.RegisteredAt)}");
        o.WriteLine($"  stage            {v.Stage}{(v.StageSince is { } since ? $" since {Time(since)}" : "")}");
        o.WriteLine($"  tags             {(v.Tags.Count == 0 ? "-" : string.Join(", ", v.Tags.Select(t => $"{t.Key}={t.Value}")))}");

        o.WriteLine();
        o.WriteLine($"files ({v.Files.Count})");
        foreach (var f in v.Files)
        {
            o.WriteLine($"  {f.Path}  [{f.Role}]  {f.Size} bytes");
            o.WriteLine($"    sha256 {f.Sha256}");
            o.WriteLine($"    from   {f.SourceUri}");
        }

        o.WriteLine();
        if (v.Lineage is { } l)
        {
            o.WriteLine("lineage");
            o.WriteLine($"  training run     {l.TrainingRunId}{(l.TrainingRunUrl is null ? "" : "  " + l.TrainingRunUrl)}");
            o.WriteLine($"  code             {l.CodeRepository} @ {l.CodeCommit}");
            o.WriteLine($"  base model       {(l.BaseModel is { } b ? $"{b.Name} version {b.Version}" : "-")}");
            o.WriteLine($"  hyperparameters  {l.Hyperparameters.GetRawText()}");
            o.WriteLine(l.Datasets.Count == 0 ? "  datasets         -" : "  datasets");
            foreach (var d in l.Datasets) o.WriteLine($"    {d.Name} {d.Version}  {d.Digest}");
        }
        else o.WriteLine("lineage          - (none recorded)");

        o.WriteLine();
        o.WriteLine($"evaluations ({v.Evaluations.Count}, in the order received; the latest received of each suite counts for the gates)");
        foreach (var e in v.Evaluations)
        {
            var dataset = e.Dataset is { } d ? $"  on {d.Name} {d.Version}" : "";
            o.WriteLine($"  {e.Suite}{dataset}  received {Time(e.RecordedAt)}  evaluated {Time(e.EvaluatedAt)} (as reported)  max finding severity {e.MaxFindingSeverity}{(e.LatestOfSuite ? "" : "  superseded")}");
            foreach (var (metric, value) in e.Metrics.OrderBy(m => m.Key, StringComparer.Ordinal))
                o.WriteLine($"    {metric,-32} {ShownNumber.Text(value)}");
            foreach (var b in e.BiasAssessments)
                o.WriteLine($"    bias     {b.Attribute,-16} {b.Metric,-32} {ShownNumber.Text(b.Value)}");
            foreach (var f in e.SecurityFindings)
                o.WriteLine($"    finding  {f.Severity,-8} {f.Id,-16} {(f.Title ?? "").ReplaceLineEndings(" ")}");
        }
    }
}
