using ModelRegistry.Cli;
using ModelRegistry.Contracts;
using ModelRegistry.Contracts.Deployments;
using ModelRegistry.Deployments;
using ModelRegistry.Deployments.Rules;
using ModelRegistry.Platform.Rules;
using ModelRegistry.Registration;
using ModelRegistry.Registration.Rules;
using ModelRegistry.Testing;
using static ModelRegistry.Testing.DeploymentScript;

namespace ModelRegistry.Host.Tests;

/// <summary>
/// A private database holding a known deployment history, written through the stores as the workers would.
/// </summary>
/// <remarks>
/// <code>
/// served-model v1, v2 (and other-model v1, never deployed)
/// fraud.prod-eu  production  DeploymentScript.Events with inventory: d1 v1 [0,5) 100 %, [5,10) 40 %, [20,-) 100 %;
///                            d2 v2 [5,20) 60 %; d3 unregistered X [8,15); observed Y [12,25)  (minutes after T0)
/// fraud.prod-us  production  u1 v1 [0,-) 90 %; u2 unregistered E [0,-) 10 %
/// fraud.staging  staging     s1 v2 [0,-) 100 %
/// </code>
/// </remarks>
public sealed class HistorySeed : IAsyncLifetime
{
    public const string Model = "served-model";

    public IsolatedEnvironment Env { get; } = new();
    public CliSettings Settings => new(Env.RabbitMq, Env.Database);
    public List<ModelVersionRegistered> Versions { get; } = [];

    public async Task InitializeAsync()
    {
        await Env.InitializeAsync();
        await RegisterAsync(Model, "run-1");
        await RegisterAsync(Model, "run-2");
        await RegisterAsync("other-model", "run-1");
        var events = Events("fraud.prod-eu", Model, Versions[0].ManifestDigest, Versions[1].ManifestDigest, inventory: true)
            .Append(Deployed("fraud.prod-us", "u1", 0, 90, digest: Versions[0].ManifestDigest))
            .Append(Deployed("fraud.prod-us", "u2", 0, 10, digest: UnknownDigest('e')))
            .Append(Deployed("fraud.staging", "s1", 0, 100, model: Model, version: 2) with { Environment = "staging" });
        var store = new DeploymentStore(Env.DataSource);
        foreach (var e in events)
        {
            var input = e switch
            {
                ModelDeployed d => DeploymentInput.From(d),
                ModelUndeployed u => DeploymentInput.From(u),
                DeploymentFailed f => DeploymentInput.From(f),
                EndpointInventoryReported r => DeploymentInput.From(r),
                _ => throw new ArgumentException(e.GetType().Name),
            };
            var result = await store.RecordAsync(input, Guid.NewGuid(), DateTimeOffset.UtcNow, default);
            if (result.Outcome != DeploymentOutcome.Recorded) throw new InvalidOperationException($"seeding {input.EndpointId} {input.DeploymentId}: {result.Outcome}");
        }
    }

    public Task DisposeAsync() => Env.DisposeAsync();

    private async Task RegisterAsync(string model, string run)
    {
        var m = new TrainingPipeline(Env.SourceRoot).Trained(model, run);
        var result = await new RegistrationStore(Env.DataSource).RegisterAsync(m, RegistrationRules.IdempotencyKey(m),
            ManifestDigest.Compute(m.Artifact!.Files), m.Artifact.Files.Select(f => new StoredFile(f, f.Sha256, f.Size)).ToList(), Guid.NewGuid(),
            DateTimeOffset.UtcNow, default);
        Versions.Add(result.Registered ?? throw new InvalidOperationException($"seeding {model}: {result.Rejected?.Message}"));
    }
}
