using System.Text.Json;
using Dapper;
using ModelRegistry.Promotion.Rules;
using ModelRegistry.Registration.Rules;

namespace ModelRegistry.Cli;

public sealed record VersionFile(string Path, string Role, string Sha256, long Size, string SourceUri);
public sealed record LineageDataset(string Name, string Version, string Digest);
public sealed record LineageBaseModel(string Name, int Version);
public sealed record VersionLineage(string TrainingRunId, string? TrainingRunUrl, string CodeRepository, string CodeCommit,
    IReadOnlyList<LineageDataset> Datasets, LineageBaseModel? BaseModel, JsonElement Hyperparameters);
public sealed record VersionEvaluation(Guid EvaluationId, string Suite, LineageDataset? Dataset, DateTime EvaluatedAt, DateTime RecordedAt,
    IReadOnlyDictionary<string, double> Metrics, string MaxFindingSeverity);
public sealed record VersionDetail(string Model, int Version, Guid VersionId, string ManifestDigest, string IdempotencyKey, string? Description,
    string OwnerTeam, string RiskTier, DateTime TrainedAt, DateTime RegisteredAt, IReadOnlyDictionary<string, string> Tags,
    IReadOnlyList<VersionFile> Files, VersionLineage? Lineage, IReadOnlyList<VersionEvaluation> Evaluations, string Stage, DateTime? StageSince);

/// <summary><c>mreg versions show</c>: one version with everything that hangs off it.</summary>
public static class VersionsCommand
{
    private const string FindSql = """
        SELECT v.version_id AS VersionId, v.manifest_digest AS ManifestDigest, v.idempotency_key AS IdempotencyKey,
               v.description AS Description, v.owner_team AS OwnerTeam, v.risk_tier AS RiskTier,
               v.trained_at AS TrainedAt, v.registered_at AS RegisteredAt, coalesce(s.stage, 'registered') AS Stage, s.since AS StageSince
        FROM registry.model_versions v JOIN registry.models m USING (model_id)
        LEFT JOIN registry.version_stages s ON s.version_id = v.version_id
        WHERE m.name = @Name AND v.version = @Version
        """;

    private const string DetailSql = """
        SELECT key AS Key, value AS Value FROM registry.version_tags WHERE version_id = @VersionId ORDER BY key;

        SELECT path AS Path, role AS Role, sha256 AS Sha256, size AS Size, source_uri AS SourceUri
        FROM registry.artifact_files WHERE version_id = @VersionId ORDER BY path;

        SELECT training_run_id AS TrainingRunId, training_run_url AS TrainingRunUrl, code_repository AS CodeRepository,
               code_commit AS CodeCommit, base_model_name AS BaseModelName, base_model_version AS BaseModelVersion,
               hyperparameters::text AS Hyperparameters
        FROM registry.lineage WHERE version_id = @VersionId;

        SELECT name AS Name, version AS Version, digest AS Digest
        FROM registry.lineage_datasets WHERE version_id = @VersionId ORDER BY name, version;

        SELECT evaluation_id AS EvaluationId, suite AS Suite, dataset_name AS DatasetName, dataset_version AS DatasetVersion,
               dataset_digest AS DatasetDigest, evaluated_at AS EvaluatedAt, recorded_at AS RecordedAt,
               max_finding_severity AS MaxFindingSeverity
        FROM registry.evaluations WHERE version_id = @VersionId ORDER BY evaluated_at, suite;

        SELECT em.evaluation_id AS EvaluationId, em.name AS Name, em.value AS Value
        FROM registry.evaluation_metrics em JOIN registry.evaluations e USING (evaluation_id)
        WHERE e.version_id = @VersionId ORDER BY em.name;
        """;

    public static Task<int> ShowAsync(CliSettings settings, string name, int version, bool json, TextWriter output, CancellationToken ct) =>
        CliDatabase.ReadAsync(settings, async connection =>
        {
            var row = await connection.QuerySingleOrDefaultAsync<VersionRow>(
                new CommandDefinition(FindSql, new { Name = name, Version = version }, cancellationToken: ct));
            if (row is null) return await CliDatabase.NotFoundAsync($"{name} has no version {version} (see `mreg models show {name}`)");

            await using var results = await connection.QueryMultipleAsync(
                new CommandDefinition(DetailSql, new { row.VersionId }, cancellationToken: ct));
            var tags = (await results.ReadAsync<TagRow>()).ToDictionary(t => t.Key, t => t.Value);
            var files = (await results.ReadAsync<VersionFile>()).ToList();
            var lineageRow = await results.ReadSingleOrDefaultAsync<LineageRow>();
            var datasets = (await results.ReadAsync<LineageDataset>()).ToList();
            var evaluationRows = (await results.ReadAsync<EvaluationRow>()).ToList();
            var metrics = (await results.ReadAsync<MetricRow>()).ToLookup(m => m.EvaluationId);

            var lineage = lineageRow is null ? null : new VersionLineage(lineageRow.TrainingRunId, lineageRow.TrainingRunUrl,
                lineageRow.CodeRepository, lineageRow.CodeCommit, datasets,
                lineageRow is { BaseModelName: { } baseName, BaseModelVersion: { } baseVersion } ? new LineageBaseModel(baseName, baseVersion) : null,
                JsonDocument.Parse(lineageRow.Hyperparameters).RootElement.Clone());
            var evaluations = evaluationRows.Select(e => new VersionEvaluation(e.EvaluationId, e.Suite,
                e.DatasetName is null ? null : new LineageDataset(e.DatasetName, e.DatasetVersion ?? "", e.DatasetDigest ?? ""),
                e.EvaluatedAt, e.RecordedAt, metrics[e.EvaluationId].ToDictionary(m => m.Name, m => m.Value), e.MaxFindingSeverity)).ToList();
            var detail = new VersionDetail(name, version, row.VersionId, row.ManifestDigest, row.IdempotencyKey, row.Description,
                row.OwnerTeam, row.RiskTier, row.TrainedAt, row.RegisteredAt, tags, files, lineage, evaluations, row.Stage, row.StageSince);

            if (json) CliJson.Write(output, detail);
            else Print(detail, output);
            return 0;
        }, ct);

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
        o.WriteLine($"evaluations ({v.Evaluations.Count})");
        foreach (var e in v.Evaluations)
        {
            var dataset = e.Dataset is { } d ? $"  on {d.Name} {d.Version}" : "";
            o.WriteLine($"  {e.Suite}{dataset}  evaluated {Time(e.EvaluatedAt)}  max finding severity {e.MaxFindingSeverity}");
            foreach (var (metric, value) in e.Metrics) o.WriteLine($"    {metric,-32} {value}");
        }
    }

    private sealed record VersionRow(Guid VersionId, string ManifestDigest, string IdempotencyKey, string? Description, string OwnerTeam,
        string RiskTier, DateTime TrainedAt, DateTime RegisteredAt, string Stage, DateTime? StageSince);

    private sealed record TagRow(string Key, string Value);

    private sealed record LineageRow(string TrainingRunId, string? TrainingRunUrl, string CodeRepository, string CodeCommit,
        string? BaseModelName, int? BaseModelVersion, string Hyperparameters);

    private sealed record EvaluationRow(Guid EvaluationId, string Suite, string? DatasetName, string? DatasetVersion, string? DatasetDigest,
        DateTime EvaluatedAt, DateTime RecordedAt, string MaxFindingSeverity);

    private sealed record MetricRow(Guid EvaluationId, string Name, double Value);
}
