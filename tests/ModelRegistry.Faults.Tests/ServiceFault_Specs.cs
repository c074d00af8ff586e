using Dapper;
using ModelRegistry.Testing;
using Xunit.Abstractions;

namespace ModelRegistry.Faults.Tests;

/// <summary>
/// Every service fault under load, in an order that varies from run to run (the seed is printed),
/// and a database outage longer than the consumers' quick retries: the registry recovers by itself.
/// </summary>
[Collection(FaultSuite.Name)]
public class ServiceFault_Specs(FaultServices services, ITestOutputHelper output)
{
    private const int PerFault = 400;
    private static readonly TimeSpan ResumeBound = TimeSpan.FromSeconds(120);

    [Fact]
    public async Task After_each_service_fault_commits_resume_by_themselves_and_nothing_is_lost_or_doubled()
    {
        var seed = Environment.TickCount;
        (string Name, Func<FaultRun, Task> Inject)[] faults =
        [
            ("host SIGKILL + restart", async run => { await run.KillHostAsync(); await run.StartHostAsync(); }),
            ("RabbitMQ restart", async _ => { await services.StopBrokerAsync(); await services.StartBrokerAsync(); }),
            ("RabbitMQ stopped 30 s", async _ => { await services.StopBrokerAsync(); await Task.Delay(TimeSpan.FromSeconds(30)); await services.StartBrokerAsync(); }),
            ("PostgreSQL restart", async _ => { await services.StopDatabaseAsync(); await services.StartDatabaseAsync(); }),
            ("PostgreSQL stopped 30 s", async _ => { await services.StopDatabaseAsync(); await Task.Delay(TimeSpan.FromSeconds(30)); await services.StartDatabaseAsync(); }),
        ];
        var random = new Random(seed);
        faults = [.. faults.OrderBy(_ => random.Next())];
        await using var run = new FaultRun(services, output, "faults") { HostSettings = FaultRun.Watchdog };
        run.Log($"seed {seed}: {string.Join(", ", faults.Select(f => f.Name))}");
        await run.Broker.KeepRegisteredEventsAsync();
        await run.StartHostAsync();
        foreach (var (name, inject) in faults)
        {
            await run.PublishAsync(PerFault);
            await Eventually.UntilAsync(run.RegisteredAsync, n => n > run.Published - PerFault, ResumeBound, $"before {name}: work under way");
            await inject(run);
            // New work after the fault: only a host that consumes and relays again gets it done.
            await run.PublishAsync(100);
            var consumed = await run.WaitForAllRegisteredAsync(ResumeBound, $"after {name}");
            var announced = await run.WaitForAllAnnouncedAsync(ResumeBound, $"after {name}");
            run.Log($"{name}: all {run.Published} committed {consumed.TotalSeconds:0.0} s after the fault ended, all announced {announced.TotalSeconds:0.0} s later; watchdog restarts so far: {run.WatchdogRestarts}");
        }
        await run.AssertConsistentAsync(ResumeBound);
    }

    [Fact]
    public async Task PostgreSQL_stopped_for_60_s_during_a_burst_ends_with_every_message_processed_once_and_no_error_queue()
    {
        await using var run = new FaultRun(services, output, "outage") { HostSettings = FaultRun.Watchdog };
        await run.Broker.KeepRegisteredEventsAsync();
        await run.StartHostAsync();
        await run.PublishAsync(1_000);
        await Eventually.UntilAsync(run.RegisteredAsync, n => n > 0, ResumeBound, "the burst under way");
        await services.StopDatabaseAsync();
        await Task.Delay(TimeSpan.FromSeconds(60));
        await services.StartDatabaseAsync();
        var done = await run.WaitForAllRegisteredAsync(TimeSpan.FromSeconds(90), "after the outage");
        run.Log($"all 1,000 committed {done.TotalSeconds:0.0} s after PostgreSQL was back");
        await run.AssertConsistentAsync(ResumeBound);
        // A database outage is waited for, never taken for a stalled host.
        Assert.Equal(0, run.WatchdogRestarts);
    }
}
