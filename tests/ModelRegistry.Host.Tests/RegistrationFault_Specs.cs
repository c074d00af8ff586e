using Dapper;
using ModelRegistry.Contracts;
using ModelRegistry.Testing;

namespace ModelRegistry.Host.Tests;

public class RegistrationFault_Specs(IsolatedEnvironment env) : IClassFixture<IsolatedEnvironment>
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(180);

    [Fact]
    public async Task Every_event_published_twice_to_two_hosts_at_once_makes_exactly_one_version_numbered_without_gaps()
    {
        const int Models = 10, RunsPerModel = 100;
        var pipeline = new TrainingPipeline(env.SourceRoot);
        var events = Enumerable.Range(0, Models).SelectMany(m => Enumerable.Range(0, RunsPerModel)
            .Select(r => pipeline.Trained($"twin-{m}", $"run-{r}"))).ToList();

        await using var observer = await RegistryObserver.StartAsync(env.AdminRabbitMq, env.RabbitMq.Username);
        await using var a = HostProcess.StartHost(env.EnvironmentVariables, "--workers", "registration");
        await using var b = HostProcess.StartHost(env.EnvironmentVariables, "--workers", "registration");
        await Task.WhenAll(a.WaitUntilStartedAsync(), b.WaitUntilStartedAsync());

        // Each event twice, the copies close together so both hosts race on them.
        foreach (var batch in events.Chunk(100))
            await Task.WhenAll(batch.Concat(batch).Select(observer.PublishAsync));

        await Eventually.UntilAsync(() => Task.FromResult(observer.All<ModelVersionRegistered>().Count(e => e.ModelName.StartsWith("twin-", StringComparison.Ordinal))),
            n => n >= 2 * events.Count, Timeout, "a registered (or re-announced) event per delivery");

        await using var c = await env.DataSource.OpenConnectionAsync();
        var versions = (await c.QueryAsync<(string Model, int Version, string Key)>("""
            SELECT m.name, v.version, v.idempotency_key FROM registry.model_versions v JOIN registry.models m USING (model_id)
            WHERE m.name LIKE 'twin-%'
            """)).ToList();
        Assert.Equal(events.Count, versions.Count);
        Assert.Equal(events.Count, versions.Select(v => v.Key + "/" + v.Model).Distinct().Count());
        foreach (var model in versions.GroupBy(v => v.Model))
            Assert.Equal(Enumerable.Range(1, RunsPerModel), model.Select(v => v.Version).Order());
        Assert.Equal(0, await c.ExecuteScalarAsync<long>("SELECT count(*) FROM registry.rejections WHERE subject LIKE 'twin-%'"));
        // Both hosts did part of the work.
        Assert.Contains("Registered twin-", a.Output);
        Assert.Contains("Registered twin-", b.Output);
    }

    [Fact]
    public async Task A_host_killed_mid_run_loses_nothing_and_duplicates_nothing_after_a_restart()
    {
        const int Total = 600;
        var pipeline = new TrainingPipeline(env.SourceRoot);
        var events = Enumerable.Range(0, Total).Select(i => pipeline.Trained($"crash-{i % 6}", $"crash-run-{i}")).ToList();
        await using var observer = await RegistryObserver.StartAsync(env.AdminRabbitMq, env.RabbitMq.Username);

        var first = HostProcess.StartHost(env.EnvironmentVariables, "--workers", "registration");
        await first.WaitUntilStartedAsync();
        foreach (var batch in events.Chunk(100)) await Task.WhenAll(batch.Select(observer.PublishAsync));
        await Eventually.UntilAsync(() => CountAsync("crash-%"), n => n >= 50, Timeout, "first registrations");
        first.KillHard();
        await first.WaitForExitAsync(Timeout);
        var atKill = await CountAsync("crash-%");
        Assert.True(atKill < Total, "the host finished everything before it was killed: the test proved nothing");
        await first.DisposeAsync();

        await using var second = HostProcess.StartHost(env.EnvironmentVariables, "--workers", "registration");
        await second.WaitUntilStartedAsync();
        await Eventually.UntilAsync(() => CountAsync("crash-%"), n => n == Total, Timeout, "all registrations");

        var keys = events.Select(e => $"{e.Lineage!.TrainingRunId}:{e.ModelName}").ToHashSet();
        await Eventually.UntilAsync(
            () => Task.FromResult(observer.All<ModelVersionRegistered>().Select(e => e.IdempotencyKey).Where(keys.Contains).Distinct().Count()),
            n => n == Total, Timeout, "ModelVersionRegistered for every registration");

        await using var c = await env.DataSource.OpenConnectionAsync();
        var numbers = (await c.QueryAsync<(string Model, int Version)>("""
            SELECT m.name, v.version FROM registry.model_versions v JOIN registry.models m USING (model_id) WHERE m.name LIKE 'crash-%'
            """)).ToList();
        foreach (var model in numbers.GroupBy(v => v.Model))
            Assert.Equal(Enumerable.Range(1, Total / 6), model.Select(v => v.Version).Order());
        // The relay drains what is left (each group's AuditRecorded events follow its ModelVersionRegistered ones).
        await Eventually.UntilAsync(() => c.ExecuteScalarAsync<long>("SELECT count(*) FROM registry.outbox"), n => n == 0, Timeout, "an empty outbox");
    }

    private async Task<long> CountAsync(string pattern)
    {
        await using var c = await env.DataSource.OpenConnectionAsync();
        return await c.ExecuteScalarAsync<long>(
            "SELECT count(*) FROM registry.model_versions v JOIN registry.models m USING (model_id) WHERE m.name LIKE @pattern", new { pattern });
    }
}
