using ModelRegistry.Deployments.Rules;

namespace ModelRegistry.Domain.Tests.Deployments;

/// <summary>The discovery audit's pure selections (docs/deployments.md, "Discovery audit").</summary>
public class DiscoveryAuditRules_Specs
{
    private static readonly DateTimeOffset Now = new(2026, 3, 1, 12, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan After = TimeSpan.FromMinutes(10);

    private static EndpointFact Endpoint(string id, double eventMinutesAgo, double? reportMinutesAgo = null, int serving = 1) =>
        new(id, "production", Now.AddMinutes(-eventMinutesAgo), reportMinutesAgo is { } r ? Now.AddMinutes(-r) : null, serving);

    [Fact]
    public void An_endpoint_is_heard_from_at_its_latest_event_or_heartbeat()
    {
        Assert.Equal(Now.AddMinutes(-2), DiscoveryAuditRules.LastHeard(Endpoint("e", 30, 2)));
        Assert.Equal(Now.AddMinutes(-2), DiscoveryAuditRules.LastHeard(Endpoint("e", 2, 30)));
        Assert.Equal(Now.AddMinutes(-5), DiscoveryAuditRules.LastHeard(Endpoint("e", 5)));
    }

    [Theory]
    [InlineData(11, null, 1, true)]
    [InlineData(10, null, 1, false)]      // exactly the threshold: not longer than it
    [InlineData(30, 3.0, 1, false)]       // its heartbeats keep it alive
    [InlineData(30, 12.0, 2, true)]
    [InlineData(30, null, 0, false)]      // nothing serves there by its history: taken down, not silent
    public void Silent_means_still_serving_and_not_heard_from_for_longer_than_the_threshold(double eventAgo, double? reportAgo, int serving, bool silent)
    {
        Assert.Equal(silent, DiscoveryAuditRules.IsSilent(Endpoint("e", eventAgo, reportAgo, serving), Now, After));
    }

    [Fact]
    public void Silent_endpoints_are_listed_longest_silent_first_and_the_list_is_bounded_but_the_count_complete()
    {
        var endpoints = Enumerable.Range(0, 250).Select(i => Endpoint($"ep-{i:D3}", 20 + i % 50)).Append(Endpoint("alive", 1)).ToList();

        var silent = DiscoveryAuditRules.SilentEndpoints(endpoints, Now, After);

        Assert.Equal(250, silent.Count);
        Assert.Equal(DiscoveryAuditRules.MaxListed, silent.Listed.Count);
        Assert.Equal(["ep-049", "ep-099", "ep-149", "ep-199", "ep-249", "ep-048"], silent.Listed.Take(6));
        Assert.DoesNotContain("alive", silent.Listed);
    }

    [Fact]
    public void A_short_list_is_listed_whole()
    {
        var findings = DiscoveryAuditRules.Bounded(["b", "a"]);
        Assert.Equal(["b", "a"], findings.Listed);
        Assert.Equal(2, findings.Count);
    }
}
