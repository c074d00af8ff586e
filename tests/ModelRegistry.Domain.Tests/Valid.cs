using System.Text.Json;
using ModelRegistry.Contracts;
using ModelRegistry.Promotion.Rules;

namespace ModelRegistry.Domain.Tests;

/// <summary>Messages that pass every rule; each spec changes one thing.</summary>
internal static class Valid
{
    public const string Sha = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

    public static ArtifactFile File(string path = "model.safetensors", string role = "weights") => new()
    {
        Path = path,
        Role = role,
        Sha256 = Sha,
        Size = 1024,
        SourceUri = $"file:///data/in/run-1/{path}",
    };

    public static ModelTrained Model(Func<ModelTrained, ModelTrained>? change = null)
    {
        var m = new ModelTrained
        {
            ModelName = "fraud-detector",
            OwnerTeam = "risk-ml",
            Description = "Scores card transactions.",
            Tags = new() { ["framework"] = "pytorch" },
            RiskTier = "high",
            Artifact = new ArtifactManifest { Files = [File(), File("config.json", "config")] },
            Lineage = Lineage(),
            TrainedAt = new DateTimeOffset(2025, 1, 2, 3, 4, 5, TimeSpan.Zero),
            IdempotencyKey = null,
        };
        return change is null ? m : change(m);
    }

    public static Lineage Lineage() => new()
    {
        TrainingRunId = "run-1",
        TrainingRunUrl = "https://pipelines.example.com/runs/1",
        CodeRepository = "https://git.example.com/risk/fraud",
        CodeCommit = "0a1b2c3d4e5f",
        Datasets = [new DatasetRef { Name = "transactions", Version = "2025-01", Digest = "sha256:" + Sha }],
        BaseModel = new BaseModelRef { Name = "fraud-base", Version = 3 },
        Hyperparameters = new() { ["lr"] = Json("0.001"), ["layers"] = Json("[64, 32]") },
    };

    public static EvaluationCompleted Evaluation(Func<EvaluationCompleted, EvaluationCompleted>? change = null)
    {
        var e = new EvaluationCompleted
        {
            EvaluationId = Guid.Parse("9b2f7f7e-2f55-4b8e-9d38-2a1f0a4c1d11"),
            ModelName = "fraud-detector",
            Version = 1,
            Suite = "accuracy-v2",
            Dataset = new DatasetRef { Name = "holdout", Version = "7", Digest = "sha256:" + Sha },
            Metrics = new() { ["auc"] = 0.93, ["f1"] = 0.81 },
            BiasAssessments = [new BiasAssessment { Attribute = "gender", Metric = "demographic_parity_difference", Value = 0.02 }],
            SecurityFindings = [new SecurityFinding { Id = "PICKLE-1", Severity = "low", Title = "pickle in tokenizer" }],
            EvaluatedAt = new DateTimeOffset(2025, 1, 3, 0, 0, 0, TimeSpan.Zero),
        };
        return change is null ? e : change(e);
    }

    public static JsonElement Json(string json)
    {
        using var document = JsonDocument.Parse(json);
        return document.RootElement.Clone();
    }

    public static string Repeat(char c, int count) => new(c, count);

    public static string Name(int length) => "a" + Repeat('b', length - 1);
}
