using System.Text;
using Dapper;
using ModelRegistry.Cli;
using ModelRegistry.Contracts;
using ModelRegistry.Testing;

namespace ModelRegistry.Host.Tests.Retention;

/// <summary>
/// What the retention specs share: a policy that archives team-vision's versions at once (archiveAfterDays 0) except each
/// model's newest, and deletes archived bytes a day after archiving; the sweep's own schedule set to never fire; models
/// whose every file has its own content unless a test shares one on purpose.
/// </summary>
internal static class RetentionHost
{
    public const string Policy = """
        {"rules": [{"name": "experiments", "match": {"team": "team-vision"}, "archiveAfterDays": 0, "keepNewest": 1, "deleteAfterDays": 1}]}
        """;

    public static Dictionary<string, string> Environment(IsolatedEnvironment env)
    {
        var policyFile = Path.Combine(Path.GetDirectoryName(env.ArtifactsRoot)!, "retention-policy.json");
        Directory.CreateDirectory(Path.GetDirectoryName(policyFile)!);
        File.WriteAllText(policyFile, Policy);
        return new Dictionary<string, string>(env.EnvironmentVariables)
        {
            ["Retention__PolicyFile"] = policyFile,
            ["Retention__SweepSchedule"] = "0 0 0 1 1 ? 2099",
        };
    }

    /// <summary>A registration whose files are all its own (the pipeline's config.json is the same for every run otherwise).</summary>
    public static ModelTrained Trained(TrainingPipeline pipeline, string model, string run, byte[]? weights = null, BaseModelRef? baseModel = null)
    {
        var trained = pipeline.Trained(model, run, baseModel: baseModel, weights: weights ?? Encoding.UTF8.GetBytes($"weights of {model} {run} {Guid.NewGuid()}"));
        var config = pipeline.WriteFile($"{model}/{run}", "config.json", "config", Encoding.UTF8.GetBytes($$"""{"layers": 12, "run": "{{run}}"}"""));
        return trained with { Artifact = new ArtifactManifest { Files = [trained.Artifact!.Files[0], config] } };
    }

    public static CliSettings Cli(IsolatedEnvironment env) => new(env.As(BrokerUsers.Operator), env.Database, new() { Root = env.ArtifactsRoot });

    public static async Task<List<(string Model, int Version, string Action)>> DoneAsync(IsolatedEnvironment env, string status = "done")
    {
        await using var c = await env.DataSource.OpenConnectionAsync();
        return (await c.QueryAsync<(string, int, string)>("""
            SELECT m.name, v.version, a.action FROM registry.retention_actions a
            JOIN registry.model_versions v USING (version_id) JOIN registry.models m USING (model_id)
            WHERE a.status = @status ORDER BY 1, 2, 3
            """, new { status })).ToList();
    }

    /// <summary>The store's object files, primary and archive, with their sizes.</summary>
    public static Dictionary<string, long> Files(string root) =>
        Directory.Exists(root)
            ? Directory.EnumerateFiles(root, "*", SearchOption.AllDirectories).ToDictionary(f => Path.GetRelativePath(root, f), f => new FileInfo(f).Length)
            : [];
}
