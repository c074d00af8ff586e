using System.Text.Json;
using MassTransit;

namespace ModelRegistry.Contracts;

/// <summary>
/// Event from a training pipeline: a model finished training and its artifact files are ready to
/// be read. The registration worker verifies and stores the files and makes the next version of
/// the model, or rejects the event with a reason. Wire format: docs/messages.md#modeltrained.
/// </summary>
[EntityName("mreg.model-trained")]
public record ModelTrained
{
    /// <summary>The model's name: 1-100 characters of a-z, 0-9, '.', '_', '-', starting with a letter or digit.</summary>
    public string ModelName { get; init; } = "";

    /// <summary>The team that owns the model (same charset as names, 1-100 characters).</summary>
    public string OwnerTeam { get; init; } = "";

    /// <summary>What the model is for; at most 4,000 characters.</summary>
    public string? Description { get; init; }

    /// <summary>Free-form labels: at most 50, keys 1-64 characters (name charset), values at most 256 characters.</summary>
    public Dictionary<string, string>? Tags { get; init; }

    /// <summary>The model risk tier: low, medium, high or critical. It selects the promotion policy.</summary>
    public string RiskTier { get; init; } = "";

    /// <summary>The files that make up the model.</summary>
    public ArtifactManifest? Artifact { get; init; }

    /// <summary>Where the model came from: run, code, data, base model.</summary>
    public Lineage? Lineage { get; init; }

    /// <summary>When training finished.</summary>
    public DateTimeOffset TrainedAt { get; init; }

    /// <summary>
    /// The pipeline's key for this registration: the same key always means the same version.
    /// Optional; when missing, the training run id plus the model name is the key. At most 200 characters.
    /// </summary>
    public string? IdempotencyKey { get; init; }
}

/// <summary>The files of a model artifact. At most 1,000 files.</summary>
public record ArtifactManifest
{
    /// <summary>The files; paths are unique within the manifest.</summary>
    public List<ArtifactFile> Files { get; init; } = [];
}

/// <summary>One file of a model artifact.</summary>
public record ArtifactFile
{
    /// <summary>Relative path inside the artifact, '/'-separated, no '..' or '.' segments, at most 512 characters.</summary>
    public string Path { get; init; } = "";

    /// <summary>What the file is: weights, config, tokenizer or other.</summary>
    public string Role { get; init; } = "";

    /// <summary>The SHA-256 of the file's bytes: 64 lowercase hex digits.</summary>
    public string Sha256 { get; init; } = "";

    /// <summary>The file's size in bytes.</summary>
    public long Size { get; init; }

    /// <summary>Where to read the bytes: a file:// URI under one of the registry's allowed source roots.</summary>
    public string SourceUri { get; init; } = "";
}

/// <summary>Where a model version came from.</summary>
public record Lineage
{
    /// <summary>The training run's identifier in the pipeline (required, at most 200 characters).</summary>
    public string TrainingRunId { get; init; } = "";

    /// <summary>A link to the run in the pipeline's UI (optional, http(s), at most 2,000 characters).</summary>
    public string? TrainingRunUrl { get; init; }

    /// <summary>The code repository (required, at most 500 characters).</summary>
    public string CodeRepository { get; init; } = "";

    /// <summary>The commit the run trained from: 7-64 hex digits.</summary>
    public string CodeCommit { get; init; } = "";

    /// <summary>The data sets the run read. At most 100.</summary>
    public List<DatasetRef> Datasets { get; init; } = [];

    /// <summary>For a fine-tune: the registered model and version it started from.</summary>
    public BaseModelRef? BaseModel { get; init; }

    /// <summary>The run's hyperparameters: at most 200 entries, any JSON values, at most 64 KiB serialized.</summary>
    public Dictionary<string, JsonElement>? Hyperparameters { get; init; }
}

/// <summary>A data set at a specific version.</summary>
public record DatasetRef
{
    /// <summary>The data set's name (at most 200 characters).</summary>
    public string Name { get; init; } = "";

    /// <summary>The data set's version (at most 100 characters).</summary>
    public string Version { get; init; } = "";

    /// <summary>The digest of that version's content, e.g. "sha256:..." (at most 200 characters).</summary>
    public string Digest { get; init; } = "";
}

/// <summary>A registered model version another version was fine-tuned from.</summary>
public record BaseModelRef
{
    /// <summary>The base model's name.</summary>
    public string Name { get; init; } = "";

    /// <summary>The base model's version number.</summary>
    public int Version { get; init; }
}
