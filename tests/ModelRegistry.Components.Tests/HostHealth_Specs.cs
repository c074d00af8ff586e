using ModelRegistry.Platform;

namespace ModelRegistry.Components.Tests;

public class HostHealth_Specs
{
    private static readonly DateTimeOffset T0 = new(2026, 12, 6, 0, 0, 0, TimeSpan.Zero);
    private static readonly QueueState Consumed = new("registration", true, 5, 1);

    private static HealthObservation Seen(bool broker = true, bool database = true, string? bus = null, QueueState[]? queues = null,
        DateTimeOffset? relayFailing = null) => new(broker, database, bus, queues ?? [Consumed], relayFailing, relayFailing is null ? null : "boom");

    [Fact]
    public void A_bus_that_consumes_every_queue_with_both_services_up_is_consuming_and_never_exits()
    {
        var state = HostHealth.Next(HostHealthState.Initial(T0), Seen(), T0.AddSeconds(5));
        Assert.Equal(HostHealthState.Consuming, state.Status);
        Assert.False(HostHealth.MustExit(state, T0.AddHours(1), TimeSpan.FromSeconds(60)));
    }

    [Fact]
    public void A_queue_without_consumer_while_the_broker_answers_is_stalled_from_the_first_check_that_saw_it_and_exits_after_the_limit()
    {
        var idle = Seen(queues: [Consumed, new QueueState("evaluation", true, 0, 0)]);
        var first = HostHealth.Next(HostHealthState.Initial(T0), idle, T0.AddSeconds(5));
        var later = HostHealth.Next(first, idle, T0.AddSeconds(64));

        Assert.Equal((HostHealthState.Stalled, T0.AddSeconds(5)), (later.Status, later.StalledSince));
        Assert.Contains("no consumer on evaluation", later.Detail);
        Assert.False(HostHealth.MustExit(later, T0.AddSeconds(64), TimeSpan.FromSeconds(60)));
        Assert.True(HostHealth.MustExit(later, T0.AddSeconds(65), TimeSpan.FromSeconds(60)));
    }

    [Fact]
    public void A_stall_that_ends_starts_the_count_again()
    {
        var stalled = HostHealth.Next(HostHealthState.Initial(T0), Seen(bus: "bus Unhealthy: faulted"), T0);
        var recovered = HostHealth.Next(stalled, Seen(), T0.AddSeconds(30));
        var again = HostHealth.Next(recovered, Seen(bus: "bus Unhealthy: faulted"), T0.AddSeconds(40));

        Assert.Null(recovered.StalledSince);
        Assert.Equal(T0.AddSeconds(40), again.StalledSince);
        Assert.False(HostHealth.MustExit(again, T0.AddSeconds(90), TimeSpan.FromSeconds(60)));
    }

    [Theory]
    [InlineData(false, true, HostHealthState.WaitingForBroker)]
    [InlineData(true, false, HostHealthState.WaitingForDatabase)]
    public void A_service_that_is_down_is_waited_for_not_counted_as_a_stall(bool broker, bool database, string expected)
    {
        // A relay that fails because the database is down, a bus that cannot consume because the broker is down:
        // both recover by themselves when it is back, and a fresh process could not start meanwhile.
        var seen = Seen(broker, database, bus: broker ? null : "bus Unhealthy", queues: broker ? null : [], relayFailing: T0);
        var state = HostHealth.Next(HostHealthState.Initial(T0), seen, T0.AddMinutes(10));
        Assert.Equal((expected, (DateTimeOffset?)null), (state.Status, state.StalledSince));
        Assert.False(HostHealth.MustExit(HostHealth.Next(state, seen, T0.AddHours(1)), T0.AddHours(1), TimeSpan.FromSeconds(60)));
    }

    [Fact]
    public void A_relay_failing_while_both_services_answer_is_a_stall_counted_from_the_first_check_that_saw_them_answer()
    {
        // The relay failed through a database outage of ten minutes; the database is back, the relay has not yet retried.
        var outage = HostHealth.Next(HostHealthState.Initial(T0), Seen(database: false, relayFailing: T0), T0.AddMinutes(10));
        var back = HostHealth.Next(outage, Seen(relayFailing: T0), T0.AddMinutes(10).AddSeconds(5));

        Assert.Equal((HostHealthState.Stalled, T0.AddMinutes(10).AddSeconds(5)), (back.Status, back.StalledSince));
        Assert.Contains("outbox relay", back.Detail);
        Assert.False(HostHealth.MustExit(back, T0.AddMinutes(10).AddSeconds(6), TimeSpan.FromSeconds(20)));
        var still = HostHealth.Next(back, Seen(relayFailing: T0), T0.AddMinutes(10).AddSeconds(25));
        Assert.True(HostHealth.MustExit(still, T0.AddMinutes(10).AddSeconds(25), TimeSpan.FromSeconds(20)));
    }

    [Theory]
    [InlineData(0, 60, "CheckIntervalSeconds")]
    [InlineData(5, 9, "MaxStalledSeconds")]
    public void Health_settings_out_of_range_are_named(int interval, int maxStalled, string named)
    {
        var errors = new HealthOptions { CheckIntervalSeconds = interval, MaxStalledSeconds = maxStalled }.Validate().ToList();
        Assert.Contains(errors, e => e.Contains("Health:" + named, StringComparison.Ordinal));
        Assert.Empty(new HealthOptions().Validate());
    }
}
