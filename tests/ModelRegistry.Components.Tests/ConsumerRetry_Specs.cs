using MassTransit;
using MassTransit.RetryPolicies;
using ModelRegistry.Platform;

namespace ModelRegistry.Components.Tests;

public class ConsumerRetry_Specs
{
    [Fact]
    public void The_infrastructure_retry_outlasts_a_five_minute_database_outage_and_gives_up_within_fifteen()
    {
        // The same schedule MassTransit builds from r.Exponential(...) in UseInfrastructureRetry.
        var policy = (ExponentialRetryPolicy)Retry.Exponential(ConsumerRetry.Retries, ConsumerRetry.MinInterval, ConsumerRetry.MaxInterval,
            ConsumerRetry.IntervalDelta);
        var waited = Enumerable.Range(0, ConsumerRetry.Retries).Aggregate(TimeSpan.Zero, (sum, i) => sum + policy.GetRetryInterval(i));

        // Each interval is jittered by ±25 %: even the shortest draw waits about 8 minutes in all.
        Assert.InRange(waited, TimeSpan.FromMinutes(8), TimeSpan.FromMinutes(15));
        // Capped at MaxInterval (±25 %), so a long outage is polled every ~10 s.
        Assert.InRange(policy.GetRetryInterval(ConsumerRetry.Retries - 1), ConsumerRetry.MaxInterval * 0.75, ConsumerRetry.MaxInterval * 1.25);
    }
}
