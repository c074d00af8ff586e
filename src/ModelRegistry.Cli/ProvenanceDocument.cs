using System.Text.Json;
using ModelRegistry.Deployments;
using ModelRegistry.Deployments.Rules;
using ModelRegistry.Registration;

namespace ModelRegistry.Cli;

/// <summary>The interval of the history that served: the deployment, its traffic share, [from, to) (to null: still serving).</summary>
public sealed record ProvenanceInterval(string DeploymentId, DateTime From, DateTime? To, double TrafficPercent, string Source, string? ClosedBy);

public sealed record ProvenanceRun(string Id, string? Url);

public sealed record ProvenanceCode(string Repository, string Commit);

/// <summary>A base model of the chain (depth 1: fine-tuned from it directly), with the data sets it was trained on.</summary>
public sealed record ProvenanceBase(int Depth, string Model, int Version, Guid VersionId, string ManifestDigest, ProvenanceRun? TrainingRun,
    ProvenanceCode? Code, IReadOnlyList<LineageDataset> Datasets);

/// <summary>One artifact that served at the instant asked: where its files were written, and its whole record.</summary>
public sealed record ServedArtifact(ProvenanceInterval Deployment, string Folder, string Model, int Version, Guid VersionId, string ManifestDigest,
    string OwnerTeam, string RiskTier, DateTime TrainedAt, DateTime RegisteredAt, string StageAtInstant, string StageAtDeployment,
    IReadOnlyList<FetchedFile> Files, ProvenanceRun? TrainingRun, ProvenanceCode? Code, IReadOnlyList<LineageDataset> Datasets,
    JsonElement? Hyperparameters, IReadOnlyList<ProvenanceBase> BaseModels, IReadOnlyList<VersionEvaluation> Evaluations,
    IReadOnlyList<ApprovalRecord> Approvals, IReadOnlyList<VersionPromotion> Promotions, IReadOnlyList<StageChange> StageHistory);

/// <summary>
/// <c>DIR/provenance.json</c> of <c>mreg reproduce</c>: what served on the endpoint at the instant, each artifact with the
/// record the registry keeps of it (docs/deployments.md, "Getting the bytes, reproducing, tracing").
/// </summary>
public sealed record ProvenanceDocument(string Endpoint, string Environment, DateTimeOffset At, DateTimeOffset GeneratedAt,
    IReadOnlyList<ServedArtifact> Served)
{
    public const string FileName = "provenance.json";

    /// <summary>One served artifact's entry, from the interval, the version's registration records and what other workers keep of it.</summary>
    public static ServedArtifact Artifact(ServedAtInstant interval, string folder, VersionRow row, VersionContents contents,
        IReadOnlyList<VersionEvaluation> evaluations, VersionProvenance provenance, FetchedManifest fetched, DateTimeOffset at)
    {
        ArgumentNullException.ThrowIfNull(interval);
        ArgumentNullException.ThrowIfNull(contents);
        ArgumentNullException.ThrowIfNull(provenance);
        ArgumentNullException.ThrowIfNull(fetched);
        var lineage = contents.Lineage;
        var changes = provenance.StageChanges.Select(c => (new DateTimeOffset(c.ChangedAt, TimeSpan.Zero), c.ToStage)).ToList();
        var datasetsByBase = provenance.BaseDatasets.ToLookup(d => d.VersionId);
        return new ServedArtifact(
            new ProvenanceInterval(interval.DeploymentId, interval.From, interval.To, interval.TrafficPercent, interval.Source, interval.ClosedBy),
            folder, fetched.Model, fetched.Version, fetched.VersionId, fetched.ManifestDigest, row.OwnerTeam, row.RiskTier, row.TrainedAt,
            row.RegisteredAt, StageAtInstant.Of(changes, at), StageAtInstant.Of(changes, new DateTimeOffset(interval.From, TimeSpan.Zero)),
            fetched.Files,
            lineage is null ? null : new ProvenanceRun(lineage.TrainingRunId, lineage.TrainingRunUrl),
            lineage is null ? null : new ProvenanceCode(lineage.CodeRepository, lineage.CodeCommit),
            contents.Datasets,
            lineage is null ? null : JsonDocument.Parse(lineage.Hyperparameters).RootElement.Clone(),
            provenance.BaseModels.Select(b => new ProvenanceBase(b.Depth, b.ModelName, b.Version, b.VersionId, b.ManifestDigest,
                b.TrainingRunId is null ? null : new ProvenanceRun(b.TrainingRunId, b.TrainingRunUrl),
                b.CodeRepository is null || b.CodeCommit is null ? null : new ProvenanceCode(b.CodeRepository, b.CodeCommit),
                datasetsByBase[b.VersionId].Select(d => new LineageDataset(d.Name, d.Version, d.Digest)).ToList())).ToList(),
            evaluations, provenance.Approvals, provenance.Promotions, provenance.StageChanges);
    }
}
