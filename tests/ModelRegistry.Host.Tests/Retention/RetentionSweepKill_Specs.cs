using Dapper;
using ModelRegistry.Cli;
using ModelRegistry.Contracts.Retention;
using ModelRegistry.Retention;
using ModelRegistry.Testing;

namespace ModelRegistry.Host.Tests.Retention;

/// <summary>
/// A sweep whose host is killed (SIGKILL) while it carries out the actions, then restarted, ends in the state an
/// uninterrupted sweep reaches (the dry run's plan, which RetentionSweep_Specs shows an uninterrupted run carries out
/// exactly): every planned version archived once (one audit record and one state row each), every object in the archive
/// tier and not in the primary store, no object lost or duplicated, no partial file left.
/// </summary>
public class RetentionSweepKill_Specs(IsolatedEnvironment env) : IClassFixture<IsolatedEnvironment>
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(240);
    private const int Models = 20, RunsPerModel = 25;

    [Fact]
    public async Task A_sweep_killed_mid_way_and_restarted_ends_as_an_uninterrupted_sweep()
    {
        var pipeline = new TrainingPipeline(env.SourceRoot);
        var environment = RetentionHost.Environment(env);
        await using var observer = await RegistryObserver.StartAsync(env.AdminRabbitMq, env.RabbitMq.Username);
        var first = HostProcess.StartHost(environment, "--workers", "registration,retention");
        await first.WaitUntilStartedAsync();
        var events = Enumerable.Range(0, Models).SelectMany(m => Enumerable.Range(0, RunsPerModel)
            .Select(r => RetentionHost.Trained(pipeline, $"kill-{m}", $"run-{r}"))).ToList();
        foreach (var batch in events.Chunk(100)) await Task.WhenAll(batch.Select(observer.PublishAsync));
        await using var c = await env.DataSource.OpenConnectionAsync();
        await Eventually.UntilAsync(() => c.ExecuteScalarAsync<long>("SELECT count(*) FROM registry.model_versions"), n => n == events.Count, Wait,
            "every registration");
        var bytesBefore = BytesOnDisk();

        var policy = RetentionPolicyFile.Load(environment["Retention__PolicyFile"]).Policy!;
        var settings = RetentionHost.Cli(env);
        var (_, plan, _) = await Cli_Specs.RunAsync(w => RetentionCommand.PlanAsync(settings, policy, all: false, json: true, DateTimeOffset.UtcNow, w, default));
        var planned = plan.GetProperty("archive").EnumerateArray()
            .Select(a => (a.GetProperty("modelName").GetString()!, a.GetProperty("version").GetInt32(), "archive")).OrderBy(x => x).ToList();
        Assert.Equal(Models * (RunsPerModel - 1), planned.Count);

        var sweepId = Guid.NewGuid();
        await observer.PublishAsAsync(BrokerUsers.Operator, new RunRetentionSweep { SweepId = sweepId, RequestedBy = "test" });
        const string Done = "SELECT count(*) FROM registry.retention_actions WHERE sweep_id = @sweepId AND status = 'done'";
        await Eventually.UntilAsync(() => c.ExecuteScalarAsync<long>(Done, new { sweepId }), n => n >= planned.Count / 20, Wait, "the first actions");
        first.KillHard();
        await first.WaitForExitAsync(Wait);
        var atKill = await c.ExecuteScalarAsync<long>(Done, new { sweepId });
        Assert.True(atKill < planned.Count, $"the sweep finished ({atKill} of {planned.Count}) before the host was killed: the test proved nothing");
        await first.DisposeAsync();

        await using var second = HostProcess.StartHost(environment, "--workers", "registration,retention");
        await second.WaitUntilStartedAsync();
        await Eventually.UntilAsync(() => c.ExecuteScalarAsync<long>(Done, new { sweepId }), n => n == planned.Count, Wait, "every action after the restart");

        Assert.Equal(planned, await RetentionHost.DoneAsync(env));
        Assert.Empty(await RetentionHost.DoneAsync(env, "skipped"));
        // Each version archived once: one state row and one audit record per planned version.
        Assert.Equal(planned.Count, await c.ExecuteScalarAsync<long>("SELECT count(*) FROM registry.version_retention WHERE state = 'archived'"));
        Assert.Equal(planned.Count, await c.ExecuteScalarAsync<long>("SELECT count(DISTINCT subject) FROM registry.audit_log WHERE action = 'retention.archived'"));
        Assert.Equal(planned.Count, await c.ExecuteScalarAsync<long>("SELECT count(*) FROM registry.audit_log WHERE action = 'retention.archived'"));

        // Every object is where the plan says, whole; nothing was lost, nothing copied twice, no partial file remains.
        var objects = (await c.QueryAsync<(string Sha, long Size, bool Archived)>("""
            SELECT f.sha256, f.size, vr.version_id IS NOT NULL FROM registry.artifact_files f
            LEFT JOIN registry.version_retention vr USING (version_id)
            """)).ToList();
        var primary = RetentionHost.Files(Path.Combine(env.ArtifactsRoot, "objects"));
        var archive = RetentionHost.Files(Path.Combine(env.ArtifactsRoot, "archive", "objects"));
        foreach (var (sha, size, archived) in objects)
        {
            var at = Path.Combine(sha[..2], sha);
            Assert.Equal(archived ? (false, true) : (true, false), (primary.ContainsKey(at), archive.ContainsKey(at)));
            Assert.Equal(size, archived ? archive[at] : primary[at]);
        }
        var expected = objects.Select(o => Path.Combine(o.Sha[..2], o.Sha)).ToHashSet();
        var strays = primary.Keys.Concat(archive.Keys).Where(f => !expected.Contains(f)).ToList();
        Assert.True(strays.Count == 0, "files that are no object: " + string.Join(", ", strays));
        Assert.Equal(objects.Count, primary.Count + archive.Count);
        Assert.Equal(bytesBefore, BytesOnDisk());
    }

    private long BytesOnDisk() =>
        RetentionHost.Files(Path.Combine(env.ArtifactsRoot, "objects")).Values.Sum() + RetentionHost.Files(Path.Combine(env.ArtifactsRoot, "archive", "objects")).Values.Sum();
}
