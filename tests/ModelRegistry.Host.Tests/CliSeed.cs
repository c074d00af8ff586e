using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using ModelRegistry.Cli;
using ModelRegistry.Platform;
using ModelRegistry.Contracts;
using ModelRegistry.Platform.Rules;
using ModelRegistry.Platform.Artifacts;
using ModelRegistry.Evaluation;
using ModelRegistry.Registration;
using ModelRegistry.Testing;
using RabbitMQ.Client;
using ModelRegistry.Evaluation.Rules;
using ModelRegistry.Promotion.Rules;
using ModelRegistry.Registration.Rules;

namespace ModelRegistry.Host.Tests;

/// <summary>
/// A private broker vhost and database (see <see cref="IsolatedEnvironment"/>) holding a small, known registry written
/// through the stores as the workers would, and an artifact store in a temp folder with every registered file's bytes.
/// </summary>
/// <remarks>
/// <code>
/// sentiment      nlp     high    v1 run-1 (experiment=baseline), v2 run-2 (domain=text, stage=prod; two evaluations)
/// sentiment-ft   nlp     medium  v1 fine-tuned from sentiment v1 (stage=dev)
/// detector       vision  low     v1 (domain=image, stage=prod)
/// verify-me      platform low    v1, three files; the only version whose stored bytes a test may damage
/// </code>
/// </remarks>
public sealed class CliSeed : IAsyncLifetime
{
    public IsolatedEnvironment Env { get; } = new();
    public string ArtifactsRoot { get; } = Path.Combine(Path.GetTempPath(), "mreg-cli-" + Guid.NewGuid().ToString("N")[..10]);
    /// <summary>mreg's settings as the operator's broker user, as <c>./mreg</c> runs it.</summary>
    public CliSettings Settings => Env.Cli(artifacts: new ArtifactStoreOptions { Root = ArtifactsRoot });

    /// <summary>As the workers' user: what <c>mreg errors</c> needs.</summary>
    public CliSettings WorkersSettings => Env.Cli(BrokerUsers.Workers, new ArtifactStoreOptions { Root = ArtifactsRoot });
    public IArtifactStore Store => new ContentAddressedStore(Settings.Artifacts);

    /// <summary>What the seeding registered, by "model/version".</summary>
    public Dictionary<string, ModelVersionRegistered> Versions { get; } = [];
    public Dictionary<string, List<ArtifactFile>> Files { get; } = [];

    public async Task InitializeAsync()
    {
        await Env.InitializeAsync();
        Directory.CreateDirectory(ArtifactsRoot);
        await SeedAsync();
    }

    private async Task SeedAsync()
    {

        // Version 2's tag keys differ from version 1's: RegistrationStore cannot yet re-register a key (see
        // Cli_Specs_When_a_model_is_re_registered_with_the_same_tag_keys).
        await RegisterAsync("sentiment", "nlp", "high", new() { ["experiment"] = "baseline" },
            Lineage("run-1", datasets: [new DatasetRef { Name = "reviews", Version = "2024-01", Digest = Digest("reviews-2024-01") }]),
            ("model.safetensors", "weights"), ("config.json", "config"));
        await RegisterAsync("sentiment", "nlp", "high", new() { ["domain"] = "text", ["stage"] = "prod" },
            Lineage("run-2", datasets:
            [
                new DatasetRef { Name = "reviews", Version = "2024-06", Digest = Digest("reviews-2024-06") },
                new DatasetRef { Name = "tweets", Version = "v3", Digest = Digest("tweets-v3") },
            ]) with
            {
                TrainingRunUrl = "https://pipelines.example/runs/run-2",
                Hyperparameters = new()
                {
                    ["lr"] = JsonSerializer.SerializeToElement(0.001),
                    ["epochs"] = JsonSerializer.SerializeToElement(3),
                    ["optimizer"] = JsonSerializer.SerializeToElement("adamw"),
                },
            },
            ("model.safetensors", "weights"), ("config.json", "config"), ("tokenizer.json", "tokenizer"));
        await RegisterAsync("sentiment-ft", "nlp", "medium", new() { ["domain"] = "text", ["stage"] = "dev" },
            Lineage("run-ft-1", baseModel: new BaseModelRef { Name = "sentiment", Version = 1 }),
            ("model.safetensors", "weights"));
        await RegisterAsync("detector", "vision", "low", new() { ["domain"] = "image", ["stage"] = "prod" },
            Lineage("run-det-1"), ("model.onnx", "weights"));
        await RegisterAsync("verify-me", "platform", "low", [],
            Lineage("run-verify-1"), ("weights.bin", "weights"), ("config.json", "config"), ("vocab.txt", "tokenizer"));

        var evaluations = new EvaluationStore(Env.DataSource);
        await RecordAsync(evaluations, new EvaluationCompleted
        {
            EvaluationId = Guid.NewGuid(),
            ModelName = "sentiment",
            Version = 2,
            Suite = "accuracy-v2",
            Dataset = new DatasetRef { Name = "reviews-holdout", Version = "2024-06", Digest = Digest("reviews-holdout") },
            Metrics = new() { ["accuracy"] = 0.91, ["f1"] = 0.88 },
            SecurityFindings =
            [
                new SecurityFinding { Id = "PICKLE-1", Severity = "low", Title = "pickle import" },
                new SecurityFinding { Id = "PROMPT-7", Severity = "medium", Title = "prompt injection" },
            ],
            EvaluatedAt = DateTimeOffset.UtcNow.AddMinutes(-5),
        });
        await RecordAsync(evaluations, new EvaluationCompleted
        {
            EvaluationId = Guid.NewGuid(),
            ArtifactDigest = Versions["sentiment/2"].ManifestDigest,
            Suite = "toxicity",
            Metrics = new() { ["toxicity_rate"] = 0.02, ["refusal_rate"] = 0.1 + 0.2 },
            BiasAssessments =
            [
                new BiasAssessment { Attribute = "gender", Metric = "demographic_parity_difference", Value = 0.031 },
                new BiasAssessment { Attribute = "age", Metric = "demographic_parity_difference", Value = 0.91 - 0.93 },
            ],
            EvaluatedAt = DateTimeOffset.UtcNow,
        });
    }

    public async Task DisposeAsync()
    {
        await Env.DisposeAsync();
        try
        {
            Directory.Delete(ArtifactsRoot, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    /// <summary>The bytes seeded for a file: unique per model, version and path, so no two files share an object.</summary>
    public static byte[] Content(string model, int version, string path) => Encoding.UTF8.GetBytes($"{model} v{version} {path}\n");

    public async Task<IConnection> ConnectAsync() =>
        await Preflight.ConnectionFactory(Env.RabbitMq).CreateConnectionAsync("cli-specs");

    /// <summary>Registers the next version of <paramref name="name"/> with one file per path, its bytes put in the store.</summary>
    public async Task RegisterAsync(string name, string team, string riskTier, Dictionary<string, string> tags, Lineage lineage,
        params (string Path, string Role)[] paths)
    {
        var version = Versions.Keys.Count(k => k.StartsWith(name + "/", StringComparison.Ordinal)) + 1;
        var files = new List<ArtifactFile>();
        foreach (var (path, role) in paths)
        {
            var bytes = Content(name, version, path);
            var sha256 = Convert.ToHexStringLower(SHA256.HashData(bytes));
            var objectPath = Store.ObjectPath(sha256);
            Directory.CreateDirectory(Path.GetDirectoryName(objectPath)!);
            await File.WriteAllBytesAsync(objectPath, bytes);
            files.Add(new ArtifactFile
            {
                Path = path, Role = role, Sha256 = sha256, Size = bytes.Length,
                SourceUri = $"file:///data/incoming/{name}/{lineage.TrainingRunId}/{path}",
            });
        }
        var message = new ModelTrained
        {
            ModelName = name,
            OwnerTeam = team,
            Description = $"{name} for the CLI specs",
            Tags = tags,
            RiskTier = riskTier,
            Artifact = new ArtifactManifest { Files = files },
            Lineage = lineage,
            TrainedAt = DateTimeOffset.UtcNow.AddHours(-1),
        };
        if (RegistrationRules.Validate(message) is { } invalid) throw new InvalidOperationException($"seed {name} is invalid: {invalid.Message}");
        var result = await new RegistrationStore(Env.DataSource).RegisterAsync(message, RegistrationRules.IdempotencyKey(message),
            ManifestDigest.Compute(files), files.Select(f => new StoredFile(f, f.Sha256, f.Size)).ToList(), Guid.NewGuid(),
            DateTimeOffset.UtcNow, default);
        if (result.Outcome != RegistrationOutcome.Registered)
            throw new InvalidOperationException($"seeding {name}: {result.Outcome} {result.Rejected?.ReasonCode} {result.Rejected?.Message}");
        if (result.Registered!.Version != version) throw new InvalidOperationException($"seeding {name}: got version {result.Registered.Version}, not {version}");
        Versions[$"{name}/{version}"] = result.Registered;
        Files[$"{name}/{version}"] = files;
    }

    private static async Task RecordAsync(EvaluationStore store, EvaluationCompleted evaluation)
    {
        if (EvaluationRules.Validate(evaluation) is { } invalid) throw new InvalidOperationException($"seed {evaluation.Suite} is invalid: {invalid.Message}");
        var result = await store.RecordAsync(evaluation, BrokerUsers.Evaluator, EvaluationRules.MaxSeverity(evaluation.SecurityFindings), Guid.NewGuid(),
            DateTimeOffset.UtcNow, default);
        if (result.Outcome != EvaluationOutcome.Recorded)
            throw new InvalidOperationException($"seeding evaluation {evaluation.Suite}: {result.Outcome} {result.Rejected?.Message}");
    }

    private static Lineage Lineage(string runId, List<DatasetRef>? datasets = null, BaseModelRef? baseModel = null) => new()
    {
        TrainingRunId = runId,
        CodeRepository = "https://git.example/ml/models",
        CodeCommit = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(runId)))[..40],
        Datasets = datasets ?? [new DatasetRef { Name = "common", Version = "1", Digest = Digest("common-1") }],
        BaseModel = baseModel,
    };

    private static string Digest(string of) => "sha256:" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(of)));
}
