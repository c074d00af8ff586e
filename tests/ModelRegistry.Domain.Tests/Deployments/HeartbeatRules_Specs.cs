using ModelRegistry.Deployments.Rules;

namespace ModelRegistry.Domain.Tests.Deployments;

public class HeartbeatRules_Specs
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 26, 12, 0, 0, TimeSpan.Zero);
    private static readonly string A = "sha256:" + new string('a', 64);
    private static readonly string B = "sha256:" + new string('b', 64);
    private static readonly TimeSpan Minute = TimeSpan.FromMinutes(1);

    private static DeploymentInput Heartbeat(DateTimeOffset at, string environment = "production", params (string Digest, double Traffic)[] served) =>
        new(DeploymentEventKind.Inventory, "ep-1", environment, "inventory", at, Served: served.Select(s => new ServedShare(s.Digest, s.Traffic, null)).ToList());

    private static HistoryInterval Observed(string digest, double traffic) =>
        new(DeploymentHistory.ObservedPrefix + digest, null, null, digest, traffic, T0, null, IntervalSources.Observed, null);

    private static HistoryInterval Reported(string digest, double traffic) =>
        new("dep-1", "fraud", 3, digest, traffic, T0, null, IntervalSources.Reported, null);

    private static EndpointInventoryState State(DateTimeOffset? lastEvent, params HistoryInterval[] open) =>
        new("production", open, new HashSet<string>(), lastEvent, lastEvent);

    [Fact]
    public void A_heartbeat_reporting_what_is_open_after_the_latest_event_only_touches()
    {
        var state = State(T0, Observed(A, 100));
        Assert.Equal(HeartbeatAction.Touch, HeartbeatRules.Decide(state, Heartbeat(T0.AddSeconds(30), "production", (A, 100))));
    }

    [Fact]
    public void A_reported_deployment_keeps_its_own_share_against_a_heartbeat()
    {
        var state = State(T0, Reported(A, 90));
        Assert.Equal(HeartbeatAction.Touch, HeartbeatRules.Decide(state, Heartbeat(T0.AddSeconds(30), "production", (A, 100))));
    }

    [Theory]
    [InlineData("a new digest")]
    [InlineData("a digest gone")]
    [InlineData("an observed share changed")]
    [InlineData("another environment")]
    [InlineData("not after the latest stored event")]
    public void A_heartbeat_that_changes_the_history_or_is_out_of_order_is_recorded(string situation)
    {
        var state = State(T0, Observed(A, 100));
        var later = T0.AddSeconds(30);
        var heartbeat = situation switch
        {
            "a new digest" => Heartbeat(later, "production", (A, 50), (B, 50)),
            "a digest gone" => Heartbeat(later, "production"),
            "an observed share changed" => Heartbeat(later, "production", (A, 60)),
            "another environment" => Heartbeat(later, "staging", (A, 100)),
            _ => Heartbeat(T0, "production", (A, 100)),
        };
        Assert.Equal(HeartbeatAction.Record, HeartbeatRules.Decide(state, heartbeat));
    }

    [Fact]
    public void An_unknown_endpoint_is_recorded_when_it_serves_something_and_only_touched_when_it_serves_nothing()
    {
        Assert.Equal(HeartbeatAction.Record, HeartbeatRules.Decide(null, Heartbeat(T0, "production", (A, 100))));
        Assert.Equal(HeartbeatAction.Touch, HeartbeatRules.Decide(null, Heartbeat(T0)));
    }

    [Fact]
    public void The_signature_ignores_the_order_of_the_digests_and_sees_shares_and_environment()
    {
        var one = HeartbeatRules.Signature(Heartbeat(T0, "production", (A, 40), (B, 60)));
        Assert.Equal(one, HeartbeatRules.Signature(Heartbeat(T0.AddHours(1), "production", (B, 60), (A, 40))));
        Assert.NotEqual(one, HeartbeatRules.Signature(Heartbeat(T0, "production", (A, 50), (B, 50))));
        Assert.NotEqual(one, HeartbeatRules.Signature(Heartbeat(T0, "staging", (A, 40), (B, 60))));
    }

    [Fact]
    public void The_cache_skips_the_same_heartbeat_within_the_granularity_of_its_write_and_of_its_entry()
    {
        var cached = new CachedInventory("sig", T0, T0);
        Assert.True(HeartbeatRules.CanSkip(cached, "sig", T0.AddSeconds(59), T0.AddSeconds(59), Minute));
        Assert.False(HeartbeatRules.CanSkip(cached, "other", T0.AddSeconds(10), T0.AddSeconds(10), Minute));
        Assert.False(HeartbeatRules.CanSkip(cached, "sig", T0.AddSeconds(60), T0.AddSeconds(10), Minute));   // time to move last-reported
        Assert.False(HeartbeatRules.CanSkip(cached, "sig", T0.AddSeconds(10), T0.AddSeconds(60), Minute));   // entry expired: read again
        Assert.False(HeartbeatRules.CanSkip(cached, "sig", T0.AddSeconds(-1), T0.AddSeconds(10), Minute));   // older than the write
        Assert.False(HeartbeatRules.CanSkip(null, "sig", T0, T0, Minute));
        Assert.False(HeartbeatRules.CanSkip(cached, "sig", T0, T0, TimeSpan.Zero));
    }

    [Fact]
    public void An_unchanged_heartbeat_moves_last_reported_only_by_the_granularity()
    {
        Assert.Equal(T0, HeartbeatRules.LastReportedAfterTouch(T0, T0.AddSeconds(59), Minute));
        Assert.Equal(T0.AddSeconds(60), HeartbeatRules.LastReportedAfterTouch(T0, T0.AddSeconds(60), Minute));
        Assert.Equal(T0, HeartbeatRules.LastReportedAfterTouch(T0, T0.AddSeconds(-5), Minute));
        Assert.Equal(T0.AddSeconds(1), HeartbeatRules.LastReportedAfterTouch(T0, T0.AddSeconds(1), TimeSpan.Zero));
        Assert.Equal(T0, HeartbeatRules.LastReportedAfterTouch(null, T0, Minute));
    }
}
