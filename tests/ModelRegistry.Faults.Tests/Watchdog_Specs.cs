using Dapper;
using ModelRegistry.Platform;
using ModelRegistry.Testing;
using Xunit.Abstractions;

namespace ModelRegistry.Faults.Tests;

/// <summary>The host's watchdog, on the real services.</summary>
[Collection(FaultSuite.Name)]
public class Watchdog_Specs(FaultServices services, ITestOutputHelper output)
{
    [Fact]
    public async Task A_host_whose_bus_stops_consuming_exits_with_code_4_within_the_configured_time()
    {
        // The host's broker user loses its read permission: the broker answers, but the host cannot consume its queue.
        await using var run = new FaultRun(services, output, "watchdog")
        {
            HostSettings = [("Workers", "probe"), ("Health__CheckIntervalSeconds", "1"), ("Health__MaxStalledSeconds", "5")],
        };
        await run.StartHostAsync();
        await Eventually.UntilAsync(() => services.TryCountAsync("SELECT count(*) FROM registry.hosts WHERE status = 'consuming' AND workers = 'probe' AND reported_at > now() - interval '3 seconds'"),
            n => n == 1, TimeSpan.FromSeconds(30), "the host reporting itself consuming");
        var clock = System.Diagnostics.Stopwatch.StartNew();
        await services.RabbitCtlAsync("set_permissions", "-p", "mreg", services.RabbitMq.Username, ".*", ".*", "^$");
        await services.RabbitCtlAsync("close_all_connections", "-p", "mreg", "watchdog test");
        // Counted from the moment the host's connections are closed for sure: each rabbitmqctl call boots an Erlang VM,
        // which took 25-50 s on a loaded machine (one CI run), and that is not the watchdog's time.
        var faulted = clock.Elapsed;
        clock.Restart();
        int code;
        TimeSpan exitedAfter;
        try
        {
            code = await run.Host!.WaitForExitAsync(TimeSpan.FromSeconds(60));
            exitedAfter = clock.Elapsed;
        }
        finally
        {
            await services.RabbitCtlAsync("set_permissions", "-p", "mreg", services.RabbitMq.Username, ".*", ".*", ".*");
        }
        run.Log($"exited with {code} {exitedAfter.TotalSeconds:0.0} s after its connections were closed ({faulted.TotalSeconds:0.0} s to revoke read permission and close them)");
        Assert.Equal(HostExit.Stalled, code);
        Assert.Contains("Host stalled", run.Host!.Output, StringComparison.Ordinal);
        // 5 s stalled plus a check interval, then at most 15 s of graceful stop; the rest is slack for a loaded CI machine.
        Assert.True(exitedAfter < TimeSpan.FromSeconds(45), $"took {exitedAfter}");
    }

    [Fact]
    public async Task A_poison_outbox_row_is_set_aside_listed_by_mreg_and_stops_no_other_event()
    {
        await using var run = new FaultRun(services, output, "poison") { HostSettings = [("Workers", "registration")] };
        await run.Broker.KeepRegisteredEventsAsync();
        await using (var c = await services.DataSource.OpenConnectionAsync())
            await c.ExecuteAsync("INSERT INTO registry.outbox (message_id, message_type, body) VALUES (@id, 'NoSuchEvent', '{}')", new { id = Guid.NewGuid() });
        try
        {
            await run.StartHostAsync();
            await run.PublishAsync(50);

            await run.WaitForAllAnnouncedAsync(TimeSpan.FromSeconds(60), "with a poison row in the outbox");
            await Eventually.UntilAsync(() => services.TryCountAsync("SELECT count(*) FROM registry.outbox"), n => n == 0, TimeSpan.FromSeconds(30), "an empty outbox");
            await using (var c = await services.DataSource.OpenConnectionAsync())
            {
                Assert.Contains("unknown outbox message type 'NoSuchEvent'", await c.ExecuteScalarAsync<string>("SELECT reason FROM registry.outbox_dead"));
            }
            await using var list = HostProcess.StartCli(services.EnvironmentVariables(), "outbox", "dead", "list");
            Assert.Equal(0, await list.WaitForExitAsync(TimeSpan.FromSeconds(60)));
            Assert.Contains("NoSuchEvent", list.Output, StringComparison.Ordinal);

            // Retried while still unknown to the host, it is set aside again, once.
            await using var retry = HostProcess.StartCli(services.EnvironmentVariables(), "outbox", "dead", "retry");
            Assert.Equal(0, await retry.WaitForExitAsync(TimeSpan.FromSeconds(60)));
            Assert.Contains("1 row(s) back in the outbox", retry.Output, StringComparison.Ordinal);
            await Eventually.UntilAsync(() => services.TryCountAsync("SELECT count(*) FROM registry.outbox_dead"), n => n == 1,
                TimeSpan.FromSeconds(30), "the row set aside again");
            Assert.Equal(0, await services.TryCountAsync("SELECT count(*) FROM registry.outbox"));
        }
        finally
        {
            // The suite's other tests expect no dead row.
            await using var c = await services.DataSource.OpenConnectionAsync();
            await c.ExecuteAsync("DELETE FROM registry.outbox_dead");
        }
    }
}
