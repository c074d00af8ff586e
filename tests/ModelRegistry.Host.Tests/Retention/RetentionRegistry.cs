using Dapper;
using ModelRegistry.Contracts;
using ModelRegistry.Contracts.Retention;
using ModelRegistry.Platform.Artifacts;
using ModelRegistry.Retention;
using ModelRegistry.Retention.Rules;
using ModelRegistry.Testing;

namespace ModelRegistry.Host.Tests.Retention;

/// <summary>
/// A running registry (every worker, retention included) whose retention policy archives every version that never went beyond
/// staging at once (archiveAfterDays 0, keepNewest 0) and deletes archived bytes a day later; its schedules never fire during
/// a test, so the tests plan sweeps themselves, as the sweep does, and send the actions as the registry would.
/// </summary>
public sealed class RetentionRegistry : RunningRegistry
{
    public const string PolicyJson = """{ "rules": [ { "name": "experiments", "archiveAfterDays": 0, "keepNewest": 0, "deleteAfterDays": 1 } ] }""";

    public static RetentionPolicy Policy => RetentionPolicyReader.Read(PolicyJson, "test").Policy!;

    public string RetentionPolicyFile => Path.Combine(Path.GetDirectoryName(PolicyFile)!, "retention-policy.json");

    public override IReadOnlyDictionary<string, string> HostEnvironment => new Dictionary<string, string>(EnvironmentVariables)
    {
        ["Retention__PolicyFile"] = RetentionPolicyFile,
        ["Retention__SweepSchedule"] = "0 0 0 1 1 ? 2099",
        ["Retention__ReportSchedule"] = "0 0 0 1 1 ? 2099",
    };

    /// <summary>The store as the host and mreg see it.</summary>
    public ContentAddressedStore Store => new(new ArtifactStoreOptions { Root = ArtifactsRoot, AllowedSourceRoots = [SourceRoot] });

    public override async Task InitializeAsync()
    {
        Directory.CreateDirectory(Path.GetDirectoryName(PolicyFile)!);
        await File.WriteAllTextAsync(RetentionPolicyFile, PolicyJson);
        await base.InitializeAsync();
    }

    /// <summary>A version with files of its own (weights and config unique to the run, unless <paramref name="weights"/> are given): no bytes shared with other versions.</summary>
    public async Task<(ModelVersionRegistered Registered, ModelTrained Trained)> RegisterAsync(string model, string run, byte[]? weights = null)
    {
        var trained = Pipeline.Trained(model, run, weights: weights) with { RiskTier = "low" };
        trained = trained with
        {
            Artifact = new ArtifactManifest
            {
                Files =
                [
                    trained.Artifact!.Files.Single(f => f.Path == "model.safetensors"),
                    Pipeline.WriteFile($"{model}/{run}", "config.json", "config", System.Text.Encoding.UTF8.GetBytes($$"""{"layers": 12, "model": "{{model}}", "run": "{{run}}"}""")),
                ],
            },
        };
        await Observer.PublishAsync(trained);
        var registered = await Observer.WaitForAsync<ModelVersionRegistered>(e => e.ModelName == model && e.TrainingRunId == run);
        return (registered, trained);
    }

    /// <summary>
    /// What the sweep does before it sends its actions: plans over the whole registry and records the sweep and each action
    /// (planned) of the given model; returns the messages it would send.
    /// </summary>
    public async Task<(List<ArchiveModelVersion> Archive, List<DeleteArchivedArtifact> Delete, RetentionPlan Plan)> PlanSweepAsync(string model)
    {
        await using var c = await DataSource.OpenConnectionAsync();
        var plan = RetentionPlanner.Plan(await RetentionFactsQuery.AllAsync(c, null, default), Policy, DateTimeOffset.UtcNow);
        var sweepId = Guid.NewGuid();
        await c.ExecuteAsync("""
            INSERT INTO registry.retention_sweeps (sweep_id, requested_by, planned_at, policy, summary)
            VALUES (@sweepId, @by, now(), @policy::jsonb, '{}'::jsonb)
            """, new { sweepId, by = RabbitMq.Username, policy = PolicyJson });
        var archive = new List<ArchiveModelVersion>();
        var delete = new List<DeleteArchivedArtifact>();
        foreach (var a in plan.Archive.Concat(plan.Delete).Where(a => a.ModelName == model))
        {
            var actionId = Guid.NewGuid();
            await c.ExecuteAsync("""
                INSERT INTO registry.retention_actions (action_id, sweep_id, version_id, action, rule, bytes, status)
                VALUES (@actionId, @sweepId, @VersionId, @Action, @Rule, @Bytes, 'planned')
                """, new { actionId, sweepId, a.VersionId, a.Action, a.Rule, a.Bytes });
            if (a.Action == PlannedAction.Archive)
                archive.Add(new() { ActionId = actionId, SweepId = sweepId, VersionId = a.VersionId, ModelName = a.ModelName, Version = a.Version, Rule = a.Rule });
            else
                delete.Add(new() { ActionId = actionId, SweepId = sweepId, VersionId = a.VersionId, ModelName = a.ModelName, Version = a.Version, Rule = a.Rule });
        }
        return (archive.OrderBy(a => a.Version).ToList(), delete.OrderBy(a => a.Version).ToList(), plan);
    }

    /// <summary>The action's status and keep rule.</summary>
    public async Task<(string Status, string? KeptBy)> ActionAsync(Guid actionId)
    {
        await using var c = await DataSource.OpenConnectionAsync();
        return await c.QuerySingleAsync<(string, string?)>("SELECT status, kept_by FROM registry.retention_actions WHERE action_id = @actionId", new { actionId });
    }

    /// <summary>The audit records of a subject with the given action, details as JSON text.</summary>
    public async Task<List<(string Actor, string Details)>> AuditAsync(string action, string subject)
    {
        await using var c = await DataSource.OpenConnectionAsync();
        return (await c.QueryAsync<(string, string)>("SELECT actor, details::text FROM registry.audit_log WHERE action = @action AND subject = @subject ORDER BY sequence",
            new { action, subject })).ToList();
    }

    /// <summary>Runs mreg as the workers' user, as the tests of fetch do; returns its exit code and output.</summary>
    public async Task<(int Exit, string Output)> MregAsync(params string[] args)
    {
        await using var mreg = HostProcess.StartCli(EnvironmentVariables, args);
        var exit = await mreg.WaitForExitAsync(TimeSpan.FromSeconds(120));
        return (exit, mreg.Output);
    }
}
