using ModelRegistry.Testing;
using Xunit.Abstractions;

namespace ModelRegistry.Faults.Tests;

/// <summary>
/// The case that left hosts connected to nothing (issue 9): RabbitMQ restarted 0.3-1.5 s after a freshly
/// started host became ready, with registrations in flight. Ten rounds in one run, so a failure rate of
/// one in two cannot pass by luck (0.5^10 &lt; 0.1 %).
/// </summary>
[Collection(FaultSuite.Name)]
public class BrokerRestart_Specs(FaultServices services, ITestOutputHelper output)
{
    private const int Rounds = 10, PerRound = 1_000, AfterRestart = 200;
    private static readonly TimeSpan ResumeBound = TimeSpan.FromSeconds(90);

    [Fact]
    public async Task A_broker_restart_right_after_a_host_start_is_recovered_from_every_time()
    {
        await using var run = new FaultRun(services, output, "restart") { HostSettings = FaultRun.Watchdog };
        await run.Broker.KeepRegisteredEventsAsync();
        var inFlight = 0;
        await run.StartHostAsync(); // declares the queues, so the first round's backlog has somewhere to wait
        for (var round = 1; round <= Rounds; round++)
        {
            // As an operator saw it: a backlog waiting for a freshly started host, the broker restarted 0.3-1.5 s after it is ready.
            await run.KillHostAsync();
            await run.PublishAsync(PerRound);
            await run.StartHostAsync();
            await Task.Delay(TimeSpan.FromMilliseconds(300 + Random.Shared.Next(1200)));
            var before = await run.RegisteredAsync() ?? 0;
            if (before < run.Published) inFlight++;
            await services.StopBrokerAsync();
            await services.StartBrokerAsync();
            // New work after the restart: only a bus that consumes again and a relay that publishes again get it done.
            await run.PublishAsync(AfterRestart);
            var consumed = await run.WaitForAllRegisteredAsync(ResumeBound, $"round {round}: broker restarted");
            var announced = await run.WaitForAllAnnouncedAsync(ResumeBound, $"round {round}: broker restarted");
            run.Log($"round {round}: {before}/{run.Published - AfterRestart} committed when the broker stopped; after it was back and {AfterRestart} more were published, all committed in {consumed.TotalSeconds:0.0} s, all announced {announced.TotalSeconds:0.0} s later; watchdog restarts so far: {run.WatchdogRestarts}");
        }
        Assert.True(inFlight >= Rounds / 2, $"only {inFlight} of {Rounds} rounds had registrations in flight when the broker stopped");
        await run.AssertConsistentAsync(TimeSpan.FromSeconds(60));
    }
}
