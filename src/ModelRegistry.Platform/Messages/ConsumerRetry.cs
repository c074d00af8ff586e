using MassTransit;
using ModelRegistry.Platform;

namespace ModelRegistry.Platform;

/// <summary>The one message retry policy of the registry's workers.</summary>
public static class ConsumerRetry
{
    /// <summary>How many times a message is tried again after an infrastructure error: long enough to outlast a database outage.</summary>
    public const int Retries = 70;

    public static readonly TimeSpan MinInterval = TimeSpan.FromMilliseconds(200);
    public static readonly TimeSpan MaxInterval = TimeSpan.FromSeconds(10);
    public static readonly TimeSpan IntervalDelta = TimeSpan.FromMilliseconds(200);

    /// <summary>The same backoff for work outside a consumer (a body refused before it is read).</summary>
    public static IRetryPolicy Policy(Func<Exception, bool> transient) =>
        Retry.Filter(transient).Exponential(Retries, MinInterval, MaxInterval, IntervalDelta);

    /// <summary>
    /// Invalid input becomes a rejection event inside the consumers; what reaches this retry is
    /// infrastructure (the database after Polly's own retries, plus whatever <paramref name="alsoTransient"/>
    /// names). Backoff from 0.4 s, capped at 10 s, 70 times, jittered ±25 % by MassTransit: 8 to 14 minutes in all,
    /// so a database outage of up to 8 minutes ends with the message processed, not in its error queue; the
    /// message stays unacknowledged meanwhile (a host killed during the outage hands it back to the
    /// queue). No message scheduler is needed (MassTransit.Quartz and the delayed-exchange plugin are
    /// not available here); the cost is a concurrency slot per waiting message.
    /// </summary>
    public static void UseInfrastructureRetry(this IReceiveEndpointConfigurator endpoint, Func<Exception, bool>? alsoTransient = null) =>
        endpoint.UseMessageRetry(r =>
        {
            r.Ignore<InvalidMessageException>();
            r.Handle<Exception>(e => DatabaseResilience.IsTransient(e) || (alsoTransient?.Invoke(e) ?? false));
            r.Exponential(Retries, MinInterval, MaxInterval, IntervalDelta);
        });
}
