using ModelRegistry.Deployments.Rules;

namespace ModelRegistry.Domain.Tests.Deployments;

/// <summary>The pure fold of an endpoint's events into intervals [from, to), one situation per spec.</summary>
public class DeploymentHistory_Specs
{
    private static readonly DateTimeOffset T0 = new(2026, 3, 1, 12, 0, 0, TimeSpan.Zero);

    internal static DateTimeOffset At(int minutes) => T0.AddMinutes(minutes);

    internal static string Digest(char c) => "sha256:" + new string(c, 64);

    internal static DeploymentFact Deployed(string id, char digest, double traffic, int minute) =>
        DeploymentInput.From(new Contracts.Deployments.ModelDeployed
        {
            DeploymentId = id, EndpointId = "ep", Environment = "production", ManifestDigest = Digest(digest), TrafficPercent = traffic,
            DeployedAt = At(minute),
        }).ToFact();

    internal static DeploymentFact Undeployed(string id, int minute) =>
        DeploymentInput.From(new Contracts.Deployments.ModelUndeployed
        {
            DeploymentId = id, EndpointId = "ep", Environment = "production", UndeployedAt = At(minute),
        }).ToFact();

    internal static DeploymentFact Failed(string id, int minute) =>
        DeploymentInput.From(new Contracts.Deployments.DeploymentFailed
        {
            DeploymentId = id, EndpointId = "ep", Environment = "production", FailedAt = At(minute), Reason = "crash loop",
        }).ToFact();

    internal static DeploymentFact Inventory(int minute, params (char Digest, double Traffic)[] served) =>
        DeploymentInput.From(new Contracts.Deployments.EndpointInventoryReported
        {
            EndpointId = "ep", Environment = "production", ReportedAt = At(minute),
            Models = served.Select(s => new Contracts.Deployments.ServedModel { ManifestDigest = Digest(s.Digest), TrafficPercent = s.Traffic }).ToList(),
        }).ToFact();

    /// <summary>An interval as (deployment, digest letter, traffic, from minute, to minute or null, source, closed by).</summary>
    private static List<(string, char, double, int, int?, string, string?)> Shape(IEnumerable<HistoryInterval> intervals) =>
        intervals.Select(i => (i.DeploymentId, i.Digest![7], i.Traffic, (int)(i.From - T0).TotalMinutes,
            i.To is { } to ? (int?)(int)(to - T0).TotalMinutes : null, i.Source, i.ClosedBy)).ToList();

    [Fact]
    public void A_deployment_serves_from_its_deploy_time_to_its_undeploy_time()
    {
        var history = DeploymentHistory.Build([Deployed("d1", 'a', 100, 0), Undeployed("d1", 10)]);

        var interval = Assert.Single(history);
        Assert.Equal((At(0), At(10)), (interval.From, interval.To));
        Assert.Equal(("reported", "undeployed"), (interval.Source, interval.ClosedBy));
    }

    [Fact]
    public void A_replacement_at_the_same_instant_ends_one_interval_where_the_next_begins_without_overlap()
    {
        var history = DeploymentHistory.Build([Deployed("d1", 'a', 100, 0), Undeployed("d1", 10), Deployed("d2", 'b', 100, 10)]);

        Assert.Equal([("d1", 'a', 100.0, 0, 10, "reported", "undeployed"), ("d2", 'b', 100.0, 10, null, "reported", null)], Shape(history));
    }

    [Fact]
    public void A_deployment_undeployed_at_the_instant_it_was_deployed_leaves_no_interval()
    {
        Assert.Empty(DeploymentHistory.Build([Deployed("d1", 'a', 100, 5), Undeployed("d1", 5)]));
        Assert.Empty(DeploymentHistory.Build([Deployed("d1", 'a', 100, 5), Failed("d1", 5)]));
    }

    [Fact]
    public void A_traffic_shift_closes_the_interval_at_the_old_share_and_opens_one_at_the_new()
    {
        var history = DeploymentHistory.Build([Deployed("d1", 'a', 10, 0), Deployed("d1", 'a', 50, 7), Deployed("d1", 'a', 100, 9)]);

        Assert.Equal(
        [
            ("d1", 'a', 10.0, 0, 7, "reported", "replaced"),
            ("d1", 'a', 50.0, 7, 9, "reported", "replaced"),
            ("d1", 'a', 100.0, 9, null, "reported", null),
        ], Shape(history));
    }

    [Fact]
    public void A_later_deploy_repeating_the_same_artifact_and_share_does_not_split_the_interval()
    {
        var history = DeploymentHistory.Build([Deployed("d1", 'a', 30, 0), Deployed("d1", 'a', 30, 4), Undeployed("d1", 8)]);

        Assert.Equal([("d1", 'a', 30.0, 0, 8, "reported", "undeployed")], Shape(history));
    }

    [Fact]
    public void A_failure_closes_the_deployment_it_names_and_no_other()
    {
        var history = DeploymentHistory.Build([Deployed("d1", 'a', 50, 0), Deployed("d2", 'b', 50, 0), Failed("d2", 3)]);

        Assert.Equal([("d1", 'a', 50.0, 0, null, "reported", null), ("d2", 'b', 50.0, 0, 3, "reported", "failed")], Shape(history));
    }

    [Fact]
    public void A_redeploy_after_an_undeploy_opens_a_new_interval_and_leaves_the_gap_empty()
    {
        var history = DeploymentHistory.Build([Deployed("d1", 'a', 100, 0), Undeployed("d1", 5), Deployed("d1", 'a', 100, 9)]);

        Assert.Equal([("d1", 'a', 100.0, 0, 5, "reported", "undeployed"), ("d1", 'a', 100.0, 9, null, "reported", null)], Shape(history));
    }

    [Fact]
    public void An_undeploy_older_than_the_deploy_it_names_changes_nothing()
    {
        var history = DeploymentHistory.Build([Undeployed("d1", 2), Deployed("d1", 'a', 100, 5)]);

        Assert.Equal([("d1", 'a', 100.0, 5, null, "reported", null)], Shape(history));
    }

    [Fact]
    public void An_inventory_showing_a_digest_no_deployment_reported_opens_an_observed_interval()
    {
        var history = DeploymentHistory.Build([Inventory(0, ('a', 100)), Inventory(1, ('a', 100))]);

        Assert.Equal([("observed:" + Digest('a'), 'a', 100.0, 0, null, "observed", null)], Shape(history));
    }

    [Fact]
    public void An_observed_interval_is_closed_by_a_later_deploy_of_the_same_digest_which_takes_over()
    {
        var history = DeploymentHistory.Build([Inventory(0, ('a', 100)), Deployed("d1", 'a', 100, 6), Inventory(8, ('a', 100))]);

        Assert.Equal(
        [
            ("observed:" + Digest('a'), 'a', 100.0, 0, 6, "observed", "reported"),
            ("d1", 'a', 100.0, 6, null, "reported", null),
        ], Shape(history));
    }

    [Fact]
    public void An_inventory_that_no_longer_reports_a_digest_closes_it_at_the_report_time()
    {
        var history = DeploymentHistory.Build([Deployed("d1", 'a', 100, 0), Inventory(4, ('a', 100)), Inventory(9, ('b', 100))]);

        Assert.Equal(
        [
            ("d1", 'a', 100.0, 0, 9, "reported", "inventory"),
            ("observed:" + Digest('b'), 'b', 100.0, 9, null, "observed", null),
        ], Shape(history));
    }

    [Fact]
    public void An_observed_share_that_changes_is_a_new_observed_interval_but_a_reported_share_is_the_platforms_word()
    {
        var history = DeploymentHistory.Build([Deployed("d1", 'a', 90, 0), Inventory(2, ('a', 80), ('b', 10)), Inventory(5, ('a', 70), ('b', 30))]);

        Assert.Equal(
        [
            ("d1", 'a', 90.0, 0, null, "reported", null),
            ("observed:" + Digest('b'), 'b', 10.0, 2, 5, "observed", "inventory"),
            ("observed:" + Digest('b'), 'b', 30.0, 5, null, "observed", null),
        ], Shape(history));
    }

    [Fact]
    public void The_same_event_twice_is_one_fact()
    {
        var deploy = Deployed("d1", 'a', 100, 0);
        var again = Deployed("d1", 'a', 100, 0);

        Assert.Equal(deploy.Key, again.Key);
        Assert.Equal(DeploymentHistory.Build([deploy]), DeploymentHistory.Build([deploy, again, deploy]));
    }

    [Fact]
    public void Only_the_events_content_makes_its_key()
    {
        Assert.NotEqual(Deployed("d1", 'a', 100, 0).Key, Deployed("d1", 'a', 50, 0).Key);
        Assert.NotEqual(Deployed("d1", 'a', 100, 0).Key, Deployed("d1", 'a', 100, 1).Key);
        Assert.NotEqual(Inventory(0, ('a', 100)).Key, Inventory(0, ('a', 90)).Key);
        // The order in which an inventory lists its digests is not content.
        Assert.Equal(Inventory(0, ('a', 60), ('b', 40)).Key, Inventory(0, ('b', 40), ('a', 60)).Key);
    }
}
