using System.Text.Json;
using Dapper;
using ModelRegistry.Cli;
using ModelRegistry.Contracts;
using ModelRegistry.Retention;
using ModelRegistry.Testing;

namespace ModelRegistry.Host.Tests.Retention;

/// <summary>
/// The sweep end to end over RabbitMQ and PostgreSQL with a real host: <c>mreg retention plan</c> (the dry run) lists
/// exactly what <c>mreg retention run</c> then does, for archiving and for deleting, and what it keeps with the rule.
/// </summary>
public class RetentionSweep_Specs(IsolatedEnvironment env) : IClassFixture<IsolatedEnvironment>
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(120);

    [Fact]
    public async Task The_dry_run_lists_exactly_what_the_run_then_does()
    {
        var pipeline = new TrainingPipeline(env.SourceRoot);
        await using var observer = await RegistryObserver.StartAsync(env.AdminRabbitMq, env.RabbitMq.Username);
        await using var host = HostProcess.StartHost(RetentionHost.Environment(env), "--workers", "registration,retention");
        await host.WaitUntilStartedAsync();

        // dry-a v1-v4: v4 is the newest (kept); v2 is the base of dry-c v1 (kept, newest of its model); v3 shares its weights
        // with dry-d v1 (kept, newest of its model). v1 alone is archived.
        var shared = "the same weights"u8.ToArray();
        var a = Enumerable.Range(1, 4).Select(i => RetentionHost.Trained(pipeline, "dry-a", $"run-{i}", weights: i == 3 ? shared : null)).ToList();
        foreach (var e in a) await RegisterAsync(observer, e);
        await RegisterAsync(observer, RetentionHost.Trained(pipeline, "dry-c", "run-1", baseModel: new BaseModelRef { Name = "dry-a", Version = 2 }));
        await RegisterAsync(observer, RetentionHost.Trained(pipeline, "dry-d", "run-1", weights: shared));
        // dry-b v1-v2: v1 is archived.
        foreach (var i in new[] { 1, 2 }) await RegisterAsync(observer, RetentionHost.Trained(pipeline, "dry-b", $"run-{i}"));

        var settings = RetentionHost.Cli(env);
        var policy = RetentionPolicyFile.Load(RetentionHost.Environment(env)["Retention__PolicyFile"]).Policy!;
        var (planExit, plan, _) = await Cli_Specs.RunAsync(w => RetentionCommand.PlanAsync(settings, policy, all: true, json: true, DateTimeOffset.UtcNow, w, default));
        Assert.Equal(0, planExit);
        var planned = Actions(plan);
        Assert.Equal([("dry-a", 1, "archive"), ("dry-b", 1, "archive")], planned);
        var kept = plan.GetProperty("keptVersions").EnumerateArray()
            .ToDictionary(k => $"{k.GetProperty("modelName").GetString()}/{k.GetProperty("version").GetInt32()}", k => k.GetProperty("reason").GetString());
        Assert.Equal(("base_of_kept", "shares_bytes", "newest", "newest"), (kept["dry-a/2"], kept["dry-a/3"], kept["dry-a/4"], kept["dry-c/1"]));

        var (runExit, run, _) = await Cli_Specs.RunAsync(w => RetentionCommand.RunAsync(settings, Guid.NewGuid(), "test", wait: true, Wait, json: true, w, default));
        Assert.Equal(0, runExit);
        Assert.Equal("done", run.GetProperty("outcome").GetString());
        Assert.Equal(planned, await RetentionHost.DoneAsync(env));
        Assert.Empty(await RetentionHost.DoneAsync(env, "skipped"));

        // Deletion: a day after archiving (the archive time moved back), the dry run lists both deletions and the run does them.
        await using (var c = await env.DataSource.OpenConnectionAsync())
            await c.ExecuteAsync("UPDATE registry.version_retention SET archived_at = archived_at - interval '2 days'");
        var (_, deletePlan, _) = await Cli_Specs.RunAsync(w => RetentionCommand.PlanAsync(settings, policy, all: false, json: true, DateTimeOffset.UtcNow, w, default));
        var deletions = Actions(deletePlan);
        Assert.Equal([("dry-a", 1, "delete"), ("dry-b", 1, "delete")], deletions);
        var (deleteExit, _, _) = await Cli_Specs.RunAsync(w => RetentionCommand.RunAsync(settings, Guid.NewGuid(), "test", wait: true, Wait, json: true, w, default));
        Assert.Equal(0, deleteExit);
        Assert.Equal(planned.Concat(deletions).OrderBy(x => x).ToList(), await RetentionHost.DoneAsync(env));

        // Nothing more to do: the next dry run plans nothing.
        var (_, after, _) = await Cli_Specs.RunAsync(w => RetentionCommand.PlanAsync(settings, policy, all: false, json: true, DateTimeOffset.UtcNow, w, default));
        Assert.Empty(Actions(after));
    }

    [Fact]
    public async Task A_sweep_from_a_person_without_the_retention_role_is_refused_and_audited()
    {
        await using var host = HostProcess.StartHost(RetentionHost.Environment(env), "--workers", "retention");
        await host.WaitUntilStartedAsync();
        // mallory has an operator's broker permissions, but the access policy gives her no role.
        var settings = new CliSettings(await env.PersonAsync("mallory"), env.Database);
        var sweepId = Guid.NewGuid();

        var (exit, outcome, _) = await Cli_Specs.RunAsync(w => RetentionCommand.RunAsync(settings, sweepId, "the boss", wait: true, Wait, json: true, w, default));

        Assert.Equal(PromotionCommands.ExitRefused, exit);
        Assert.Equal(("refused", "not_permitted"), (outcome.GetProperty("outcome").GetString(), outcome.GetProperty("reasonCode").GetString()));
        await using var c = await env.DataSource.OpenConnectionAsync();
        Assert.Equal(0, await c.ExecuteScalarAsync<long>("SELECT count(*) FROM registry.retention_sweeps WHERE sweep_id = @sweepId", new { sweepId }));
        var (actor, requestedBy) = await c.QuerySingleAsync<(string, string)>(
            "SELECT actor, details->>'requestedBy' FROM registry.audit_log WHERE action = 'retention.refused' AND subject = @id", new { id = sweepId.ToString("D") });
        Assert.Equal(("mallory", "the boss"), (actor, requestedBy));
    }

    private static List<(string, int, string)> Actions(JsonElement plan) =>
        plan.GetProperty("archive").EnumerateArray().Concat(plan.GetProperty("delete").EnumerateArray())
            .Select(a => (a.GetProperty("modelName").GetString()!, a.GetProperty("version").GetInt32(), a.GetProperty("action").GetString()!))
            .OrderBy(x => x).ToList();

    private static async Task RegisterAsync(RegistryObserver observer, ModelTrained e)
    {
        await observer.PublishAsync(e);
        await observer.WaitForAsync<ModelVersionRegistered>(r => r.ModelName == e.ModelName && r.TrainingRunId == e.Lineage!.TrainingRunId, Wait);
    }
}
