using System.Text.Json;
using Dapper;
using ModelRegistry.Cli;
using ModelRegistry.Testing;

namespace ModelRegistry.Host.Tests;

public class Host_Specs(IsolatedEnvironment env) : IClassFixture<IsolatedEnvironment>
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task A_message_published_to_the_broker_reaches_the_hosts_worker_and_the_database()
    {
        var healthFile = Path.Combine(Path.GetTempPath(), $"mreg-health-{Guid.NewGuid():N}.json");
        var environment = new Dictionary<string, string>(env.EnvironmentVariables)
        {
            ["Health__File"] = healthFile, ["Health__CheckIntervalSeconds"] = "1", ["Health__MaxStalledSeconds"] = "30",
        };
        await using var host = HostProcess.StartHost(environment);
        await host.WaitUntilStartedAsync();

        var ids = await ProbePublisher.PublishAsync(env, 20, "end-to-end");

        await Eventually.UntilAsync(() => ProbePublisher.CountAsync(env, "end-to-end"), n => n == 20, Timeout, "probes recorded");
        await using var c = await env.DataSource.OpenConnectionAsync();
        var recordedBy = await c.QueryAsync<string>("SELECT DISTINCT recorded_by FROM registry.probes WHERE probe_id = ANY(@ids)", new { ids });
        Assert.Equal([$"{Environment.MachineName}/{host.Id}"], recordedBy);

        // The clustered scheduler checks in to its own schema, under this process's own instance id.
        var instances = await Eventually.UntilAsync(
            async () => (await c.QueryAsync<string>("SELECT instance_name FROM quartz.qrtz_scheduler_state WHERE sched_name = 'model-registry'")).ToList(),
            n => n.Contains($"{Environment.MachineName}/{host.Id}"), Timeout, "quartz scheduler check-in");
        Assert.Contains("Quartz", host.Output, StringComparison.Ordinal); // what the evaluation-only host below must not log

        // The host reports its own health: in registry.hosts and in its health file, which --check reads.
        var instance = $"{Environment.MachineName}/{host.Id}";
        await Eventually.UntilAsync(() => c.ExecuteScalarAsync<string>("SELECT status FROM registry.hosts WHERE instance = @instance", new { instance }),
            s => s == "consuming", Timeout, "the host reporting itself consuming");
        using (var file = JsonDocument.Parse(await File.ReadAllTextAsync(healthFile)))
        {
            Assert.Equal("consuming", file.RootElement.GetProperty("status").GetString());
            Assert.Contains(file.RootElement.GetProperty("queues").EnumerateArray(),
                q => q.GetProperty("queue").GetString() == "registration" && q.GetProperty("consumers").GetInt32() == 1);
        }
        await using (var check = HostProcess.StartHost(environment, "--check"))
            Assert.True(await check.WaitForExitAsync(Timeout) == 0, check.Output);

        // mreg status sees the worker's queue with its consumer, and which host consumes it.
        var status = HostProcess.StartCli(env.CliEnvironment(), "status", "--json");
        var exit = await status.WaitForExitAsync(Timeout);
        Assert.True(exit == 0, status.Output);
        using var report = JsonDocument.Parse(status.Output);
        Assert.True(report.RootElement.GetProperty("ok").GetBoolean());
        var probeQueue = report.RootElement.GetProperty("queues").EnumerateArray().Single(q => q.GetProperty("queue").GetString() == "probe");
        Assert.Equal(1, probeQueue.GetProperty("consumers").GetInt32());
        Assert.Equal(0, report.RootElement.GetProperty("database").GetProperty("pending").GetArrayLength());
        var reported = Assert.Single(report.RootElement.GetProperty("hosts").EnumerateArray(), h => h.GetProperty("instance").GetString() == instance);
        Assert.Equal("consuming", reported.GetProperty("status").GetString());
        Assert.Contains("probe:1", reported.GetProperty("queues").GetString(), StringComparison.Ordinal);
        await status.DisposeAsync();

        host.Terminate();
        Assert.Equal(0, await host.WaitForExitAsync(Timeout));
        // A host that stops cleanly removes its report; a stale file is refused by --check.
        Assert.Equal(0, await c.ExecuteScalarAsync<long>("SELECT count(*) FROM registry.hosts WHERE instance = @instance", new { instance }));
        await Task.Delay(TimeSpan.FromSeconds(3.5)); // three check intervals without a report
        await using (var check = HostProcess.StartHost(environment, "--check"))
        {
            Assert.Equal(1, await check.WaitForExitAsync(Timeout));
            Assert.Contains("has not reported since", check.Output, StringComparison.Ordinal);
        }
        File.Delete(healthFile);
    }

    [Fact]
    public async Task A_host_of_the_evaluation_worker_alone_starts_without_the_promotion_settings_and_never_joins_the_scheduler()
    {
        var environment = env.EnvironmentVariables
            .Where(kv => !kv.Key.StartsWith("Promotion__", StringComparison.Ordinal) && !kv.Key.StartsWith("Ticketing__", StringComparison.Ordinal)
                && !kv.Key.StartsWith("Approvers__", StringComparison.Ordinal))
            .ToDictionary(kv => kv.Key, kv => kv.Value);
        environment["Health__CheckIntervalSeconds"] = "1";
        environment["Health__MaxStalledSeconds"] = "30";
        await using var host = HostProcess.StartHost(environment, "--workers", "evaluation");
        await host.WaitUntilStartedAsync();
        var instance = $"{Environment.MachineName}/{host.Id}";

        await using var c = await env.DataSource.OpenConnectionAsync();
        var workers = await Eventually.UntilAsync(
            () => c.ExecuteScalarAsync<string>("SELECT workers FROM registry.hosts WHERE instance = @instance AND status = 'consuming'", new { instance }),
            w => w is not null, Timeout, "the evaluation host reporting itself consuming");
        Assert.Equal("evaluation", workers);
        // A clustered Quartz scheduler checks in as it starts, before the host reports itself started, and logs that it did.
        Assert.Equal(0, await c.ExecuteScalarAsync<int>("SELECT count(*) FROM quartz.qrtz_scheduler_state WHERE instance_name = @instance", new { instance }));
        Assert.DoesNotContain("Quartz", host.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SIGTERM_with_messages_in_flight_loses_none_and_a_restarted_host_finishes_them()
    {
        const int Total = 4000;
        // A small prefetch keeps a backlog in the queue, so the stop lands mid-stream.
        var environment = new Dictionary<string, string>(env.EnvironmentVariables) { ["RabbitMq__PrefetchCount"] = "16" };
        var first = HostProcess.StartHost(environment, "--workers", "probe");
        await first.WaitUntilStartedAsync();

        await ProbePublisher.PublishAsync(env, Total, "sigterm");
        await Eventually.UntilAsync(() => ProbePublisher.CountAsync(env, "sigterm"), n => n >= 200, Timeout, "first probes recorded");
        first.Terminate();
        Assert.Equal(0, await first.WaitForExitAsync(Timeout));
        var atStop = await ProbePublisher.CountAsync(env, "sigterm");
        Assert.True(atStop < Total, $"the host finished all {Total} before SIGTERM: the test proved nothing");
        await first.DisposeAsync();

        await using var second = HostProcess.StartHost(environment, "--workers", "probe");
        await second.WaitUntilStartedAsync();
        await Eventually.UntilAsync(() => ProbePublisher.CountAsync(env, "sigterm"), n => n == Total, Timeout, "all probes recorded");

        await using var c = await env.DataSource.OpenConnectionAsync();
        var hosts = await c.ExecuteScalarAsync<long>("SELECT count(DISTINCT recorded_by) FROM registry.probes WHERE requested_by = 'sigterm'");
        Assert.Equal(2, hosts);
        // A graceful stop finishes what it started and hands back the rest: nothing ran twice.
        var deliveries = await c.ExecuteScalarAsync<long>("SELECT sum(deliveries) FROM registry.probes WHERE requested_by = 'sigterm'");
        Assert.Equal(Total, deliveries);

        var report = await StatusCommand.CollectAsync(env.Cli(), default);
        Assert.Equal(0u, report.ErrorQueues.Single(q => q.Queue == "probe_error").Messages);
        second.Terminate();
        Assert.Equal(0, await second.WaitForExitAsync(Timeout));
    }
}
