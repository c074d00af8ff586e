using MassTransit;
using ModelRegistry.Persistence;

namespace ModelRegistry.Components;

/// <summary>The one message retry policy of the registry's workers.</summary>
public static class ConsumerRetry
{
    /// <summary>
    /// Invalid input becomes a rejection event inside the consumers; what reaches this retry is
    /// infrastructure (the database after Polly's own retries, plus whatever <paramref name="alsoTransient"/>
    /// names), worth a few more tries with backoff before the message goes to its error queue.
    /// </summary>
    public static void UseInfrastructureRetry(this IReceiveEndpointConfigurator endpoint, Func<Exception, bool>? alsoTransient = null) =>
        endpoint.UseMessageRetry(r =>
        {
            r.Ignore<InvalidMessageException>();
            r.Handle<Exception>(e => DatabaseResilience.IsTransient(e) || (alsoTransient?.Invoke(e) ?? false));
            r.Exponential(5, TimeSpan.FromMilliseconds(200), TimeSpan.FromSeconds(10), TimeSpan.FromMilliseconds(200));
        });
}
