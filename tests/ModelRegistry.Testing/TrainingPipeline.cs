using System.Security.Cryptography;
using System.Text.Json;
using ModelRegistry.Contracts;
using ModelRegistry.Promotion.Rules;

namespace ModelRegistry.Testing;

/// <summary>Plays a training pipeline: writes artifact files under a source root and describes them in a ModelTrained.</summary>
public sealed class TrainingPipeline(string sourceRoot)
{
    /// <summary>Writes a file and returns its manifest entry.</summary>
    public ArtifactFile WriteFile(string relativeDir, string path, string role, byte[] content)
    {
        var full = Path.Combine(sourceRoot, relativeDir, path);
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

    /// <summary>A complete, valid event for a small model with weights and config under a folder of its own.</summary>
    public ModelTrained Trained(string model, string runId, string? idempotencyKey = null, BaseModelRef? baseModel = null, byte[]? weights = null)
    {
        var dir = $"{model}/{runId}";
        weights ??= System.Text.Encoding.UTF8.GetBytes($"weights of {model} {runId}");
        return new ModelTrained
        {
            ModelName = model,
            OwnerTeam = "team-vision",
            Description = $"{model} trained by {runId}",
            RiskTier = "high",
            Tags = new() { ["task"] = "classification", ["run"] = runId },
            Artifact = new ArtifactManifest
            {
                Files =
                [
                    WriteFile(dir, "model.safetensors", "weights", weights),
                    WriteFile(dir, "config.json", "config", """{"layers": 12}"""u8.ToArray()),
                ],
            },
            Lineage = new Lineage
            {
                TrainingRunId = runId,
                TrainingRunUrl = $"https://mlflow.example.com/runs/{runId}",
                CodeRepository = "https://git.example.com/ml/vision",
                CodeCommit = "0123456789abcdef0123456789abcdef01234567",
                Datasets = [new DatasetRef { Name = "imagenet-subset", Version = "2026-10", Digest = "sha256:" + new string('a', 64) }],
                BaseModel = baseModel,
                Hyperparameters = new() { ["lr"] = JsonSerializer.SerializeToElement(0.001), ["epochs"] = JsonSerializer.SerializeToElement(3) },
            },
            TrainedAt = DateTimeOffset.UtcNow,
            IdempotencyKey = idempotencyKey,
        };
    }
}
