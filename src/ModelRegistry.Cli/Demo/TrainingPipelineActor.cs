using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using ModelRegistry.Contracts;

namespace ModelRegistry.Cli.Demo;

/// <summary>
/// Plays a training pipeline: writes a model's artifact files (weights, config, tokenizer) under the registry's allowed
/// source root, publishes <see cref="ModelTrained"/> describing them, and waits on its own queue for the registry's answer.
/// </summary>
internal sealed class TrainingPipelineActor(DemoBroker broker, DemoInbox inbox, DemoLog log, string sourceRoot, string round, TimeSpan timeout)
{
    public const string Name = "pipeline";
    /// <summary>Its inbox: <c>&lt;user&gt;.demo</c>, e.g. mreg-pipeline.demo.</summary>
    public const string InboxPurpose = "demo";
    public static readonly IReadOnlyList<Type> Events = [typeof(ModelVersionRegistered), typeof(ModelRegistrationRejected)];

    private const int WeightBytes = 64 * 1024;

    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    /// <summary>This run's folder under the source root: <c>demo/ROUND</c>.</summary>
    public string RunFolder => Path.Combine(sourceRoot, "demo", round);

    /// <summary>Deletes the files earlier runs wrote (the registry keeps its own copies); this run's stay for people to look at.</summary>
    public void RemoveEarlierRuns()
    {
        var runs = Path.Combine(sourceRoot, "demo");
        if (!Directory.Exists(runs)) return;
        foreach (var folder in Directory.EnumerateDirectories(runs).Where(f => Path.GetFileName(f) != round))
        {
            try
            {
                Directory.Delete(folder, recursive: true);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // Best effort: a leftover folder costs disk, not correctness.
            }
        }
    }

    public async Task<TrainedVersion> TrainAsync(ModelRecipe recipe, TrainedVersion? baseModel, CancellationToken ct)
    {
        var runId = $"{round}-{recipe.Variant}";
        var key = $"demo/{recipe.Model}/{runId}";
        var trained = new ModelTrained
        {
            ModelName = recipe.Model,
            OwnerTeam = ModelRecipe.Team,
            Description = recipe.Description,
            RiskTier = recipe.RiskTier,
            Tags = new() { ["demo"] = "true", ["variant"] = recipe.Variant },
            Artifact = new ArtifactManifest { Files = WriteFiles(recipe, runId) },
            Lineage = new Lineage
            {
                TrainingRunId = runId,
                TrainingRunUrl = $"https://mlflow.example.com/#/runs/{runId}",
                CodeRepository = "https://git.example.com/demo-ml/models.git",
                CodeCommit = Hex($"commit {recipe.Model} {recipe.Variant}")[..40],
                Datasets = [new DatasetRef { Name = recipe.Dataset, Version = "2026-10", Digest = "sha256:" + Hex($"dataset {recipe.Dataset}") }],
                BaseModel = baseModel is null ? null : new BaseModelRef { Name = baseModel.Model, Version = baseModel.Version },
                Hyperparameters = recipe.Hyperparameters.ToDictionary(h => h.Key, h => JsonSerializer.SerializeToElement(h.Value)),
            },
            TrainedAt = DateTimeOffset.UtcNow,
            IdempotencyKey = key,
        };
        await broker.PublishAsync(Name, trained, ct);

        // A refusal carries the key when the registry got that far, else at least the run id (docs/messages.md).
        var answer = await inbox.WaitAsync(e => e switch
        {
            ModelVersionRegistered r => r.IdempotencyKey == key,
            ModelRegistrationRejected r => r.IdempotencyKey == key || (r.IdempotencyKey is null && r.TrainingRunId == runId && r.ModelName == recipe.Model),
            _ => false,
        }, timeout, ct);
        switch (answer)
        {
            case ModelVersionRegistered registered:
                var size = trained.Artifact.Files.Sum(f => f.Size);
                log.Line(Name, $"trained {recipe.Model} (run {runId}{(baseModel is null ? "" : $", fine-tuned from {baseModel}")}): " +
                    $"{trained.Artifact.Files.Count} files, {size / 1024} KiB -> registered as version {registered.Version}");
                return new TrainedVersion(recipe.Model, registered.Version, registered.ManifestDigest);
            case ModelRegistrationRejected rejected:
                var hint = rejected.ReasonCode is "hostile_path" or "source_unreadable"
                    ? $" (the host must allow the folder the demo wrote to: Artifacts__AllowedSourceRoots__0={sourceRoot})"
                    : "";
                throw new DemoFailure(Name, $"{recipe.Model} run {runId} was refused: {rejected.ReasonCode}: {rejected.Message}{hint}");
            default:
                throw new DemoFailure(Name, $"no answer to ModelTrained {key} within {PromotionCommands.Format(timeout)}: is the registry running? (./mreg status)");
        }
    }

    private List<ArtifactFile> WriteFiles(ModelRecipe recipe, string runId)
    {
        var folder = Path.Combine(RunFolder, $"{recipe.Model}-{recipe.Variant}");
        var config = JsonSerializer.SerializeToUtf8Bytes(new
        {
            architecture = "gradient-boosted-trees",
            model = recipe.Model,
            trainingRun = runId,
            hyperparameters = recipe.Hyperparameters,
        }, Indented);
        // One tokenizer per model family: the fine-tune shares its base model's, and the store keeps it once.
        var tokenizer = Encoding.UTF8.GetBytes($$"""{"version": "1.0", "family": "{{recipe.Family}}", "vocabulary": ["merchant", "amount", "country", "hour"]}""");
        return
        [
            Write(folder, "model/model.safetensors", "weights", Weights($"{recipe.Model}/{recipe.Variant}")),
            Write(folder, "model/config.json", "config", config),
            Write(folder, "tokenizer/tokenizer.json", "tokenizer", tokenizer),
        ];
    }

    private static ArtifactFile Write(string folder, string path, string role, byte[] content)
    {
        var full = Path.Combine(folder, path);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        File.WriteAllBytes(full, content);
        return new ArtifactFile
        {
            Path = path,
            Role = role,
            Sha256 = Convert.ToHexStringLower(SHA256.HashData(content)),
            Size = content.Length,
            SourceUri = new Uri(full).AbsoluteUri,
        };
    }

    /// <summary>Stand-in weights: bytes that look random, the same for the same seed (SHA-256 in counter mode).</summary>
    private static byte[] Weights(string seed)
    {
        var weights = new byte[WeightBytes];
        for (var block = 0; block * 32 < WeightBytes; block++)
            SHA256.HashData(Encoding.UTF8.GetBytes($"{seed}#{block}")).CopyTo(weights.AsSpan(block * 32));
        return weights;
    }

    private static string Hex(string text) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)));
}
