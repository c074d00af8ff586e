using System.Security.Cryptography;
using System.Text.Json;
using Dapper;
using ModelRegistry.Cli;
using ModelRegistry.Contracts;
using ModelRegistry.Contracts.Deployments;
using ModelRegistry.Platform.Artifacts;
using ModelRegistry.Testing;

namespace ModelRegistry.Host.Tests.Deployments;

/// <summary>
/// Steps the fetch, reproduce and impact specs share: register through the real pipeline, record deployments as a serving
/// platform would (ModelDeployed and ModelUndeployed through the broker, then wait until the history has them), run mreg.
/// </summary>
public sealed class ReproduceSteps(RunningRegistry registry) : IDisposable
{
    private readonly List<string> folders = [];

    public CliSettings Settings => new(registry.RabbitMq, registry.Database, new ArtifactStoreOptions { Root = registry.ArtifactsRoot });

    /// <summary>A folder path to fetch into (not created), removed when the test ends.</summary>
    public string NewFolder()
    {
        var folder = Path.Combine(Path.GetTempPath(), "mreg-fetch-" + Guid.NewGuid().ToString("N")[..10]);
        folders.Add(folder);
        return folder;
    }

    public async Task<ModelVersionRegistered> RegisterAsync(ModelTrained trained)
    {
        await registry.Observer.PublishAsync(trained);
        return await registry.Observer.WaitForAsync<ModelVersionRegistered>(e => e.ModelName == trained.ModelName && e.TrainingRunId == trained.Lineage!.TrainingRunId);
    }

    /// <summary>Publishes the deployment and waits until the endpoint's history has an interval starting at its time.</summary>
    public async Task DeployAsync(ModelDeployed deployed)
    {
        await registry.Observer.PublishAsync(deployed);
        await IntervalsAsync(deployed.EndpointId, deployed.DeploymentId, "lower(served) = @At", deployed.DeployedAt, "an interval opened by " + deployed.DeploymentId);
    }

    /// <summary>Publishes the undeployment and waits until the deployment's interval ends at its time.</summary>
    public async Task UndeployAsync(ModelUndeployed undeployed)
    {
        await registry.Observer.PublishAsync(undeployed);
        await IntervalsAsync(undeployed.EndpointId, undeployed.DeploymentId, "upper(served) = @At", undeployed.UndeployedAt,
            "the interval of " + undeployed.DeploymentId + " closed");
    }

    private async Task IntervalsAsync(string endpoint, string deployment, string condition, DateTimeOffset at, string what)
    {
        await using var c = await registry.DataSource.OpenConnectionAsync();
        await Eventually.UntilAsync(() => c.ExecuteScalarAsync<long>(
                $"SELECT count(*) FROM registry.deployment_intervals WHERE endpoint_id = @Endpoint AND deployment_id = @Deployment AND {condition}",
                new { Endpoint = endpoint, Deployment = deployment, At = at.UtcDateTime }),
            n => n > 0, TimeSpan.FromSeconds(30), what);
    }

    /// <summary>A deployment of a registered version, by digest when given, else by name and version.</summary>
    public static ModelDeployed Deployed(string deploymentId, string endpoint, string environment, DateTimeOffset at, string? digest = null,
        string? model = null, int? version = null, double traffic = 100) => new()
    {
        DeploymentId = deploymentId,
        EndpointId = endpoint,
        Environment = environment,
        ManifestDigest = digest,
        ModelName = model,
        Version = version,
        TrafficPercent = traffic,
        DeployedAt = at,
        DeployedBy = "kserve-controller",
    };

    /// <summary>Now, to the millisecond (the database keeps microseconds; the waits compare exactly).</summary>
    public static DateTimeOffset Now()
    {
        var now = DateTimeOffset.UtcNow;
        return new DateTimeOffset(now.Ticks - now.Ticks % TimeSpan.TicksPerMillisecond, TimeSpan.Zero);
    }

    /// <summary>Runs a command in-process with --json; its exit code and printed JSON (Undefined when it printed nothing).</summary>
    public static async Task<(int Exit, JsonElement Json)> RunAsync(Func<TextWriter, Task<int>> command)
    {
        var output = new StringWriter();
        var exit = await command(output);
        var text = output.ToString();
        return (exit, text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone());
    }

    /// <summary>Runs the real mreg; its exit code and its stderr.</summary>
    public async Task<(int Exit, string Errors)> MregAsync(params string[] args)
    {
        await using var mreg = HostProcess.StartCli(registry.EnvironmentVariables, args);
        var exit = await mreg.WaitForExitAsync(TimeSpan.FromSeconds(120));
        return (exit, string.Join('\n', mreg.StandardError));
    }

    public static string Sha256Of(string path) => Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(path)));

    /// <summary>Every file under <paramref name="folder"/>, hidden ones included, relative and in ordinal order.</summary>
    public static string[] FilesUnder(string folder) => Directory.Exists(folder)
        ? Directory.GetFiles(folder, "*", SearchOption.AllDirectories).Select(f => Path.GetRelativePath(folder, f)).Order(StringComparer.Ordinal).ToArray()
        : [];

    public void Dispose()
    {
        foreach (var folder in folders.Where(Directory.Exists))
        {
            try
            {
                Directory.Delete(folder, recursive: true);
            }
            catch (IOException)
            {
            }
        }
    }
}
