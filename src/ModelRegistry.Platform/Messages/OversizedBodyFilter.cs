using MassTransit;
using MassTransit.Middleware;
using MassTransit.RetryPolicies;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using ModelRegistry.Platform.Rules;
using ModelRegistry.Platform;

namespace ModelRegistry.Platform;

/// <summary>
/// Refuses a body over <see cref="MessageOptions.MaxBodyBytes"/> before anything reads it: a rejection event naming the
/// limit, and the body kept cut to its head with its size and SHA-256 (<see cref="RefusedBodyStore"/>), where the
/// command has a rejection event; the error queue with the same reason where it has none. It runs first in every
/// endpoint's receive pipe, ahead of MassTransit's own error handling, so it brings its own (<see cref="Configure"/>).
/// </summary>
public sealed class OversizedBodyFilter(MessageOptions options, RefusedBodyStore store, TimeProvider clock, ILogger<OversizedBodyFilter> logger)
    : IFilter<ReceiveContext>
{
    // A database outage is waited out as the consumers wait it out (ConsumerRetry); the message stays unacknowledged.
    private static readonly IRetryPolicy Retry = ConsumerRetry.Policy(DatabaseResilience.IsTransient);

    /// <summary>Puts the filter, and the error-queue move for what it throws, in front of an endpoint's receive pipe.</summary>
    public static void Configure(IReceiveEndpointConfigurator endpoint, IServiceProvider services)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        var filter = ActivatorUtilities.CreateInstance<OversizedBodyFilter>(services);
        endpoint.ConfigureReceive(receive =>
        {
            receive.UseRescue(Pipe.New<ExceptionReceiveContext>(error =>
            {
                error.UseFilter(new GenerateFaultFilter());
                error.UseFilter(new ErrorTransportFilter());
            }), rescue => rescue.Ignore<OperationCanceledException>());
            receive.UseFilter(filter);
        });
    }

    public async Task Send(ReceiveContext context, IPipe<ReceiveContext> next)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(next);
        var size = context.Body.Length ?? context.Body.GetBytes().LongLength;
        if (size <= options.MaxBodyBytes)
        {
            await next.Send(context);
            return;
        }

        var exchange = (context as RabbitMqBasicConsumeContext)?.Exchange;
        var reason = BodyRefusals.Reason(size, options.MaxBodyBytes);
        if (BodyRefusals.For(exchange) is not { } refusal)
            throw new InvalidMessageException($"{reason}; a message published to '{exchange}' has no rejection event");
        var messageId = Guid.TryParse((context as RabbitMqBasicConsumeContext)?.Properties.MessageId, out var id) ? id : (Guid?)null;
        var (refused, rejection) = refusal(BodyHead.Of(context.Body.GetBytes()), messageId, reason, clock.GetUtcNow());
        var first = await Retry.Retry(() => store.RefuseAsync(refused, rejection, context.CancellationToken), context.CancellationToken);
        if (first)
            logger.LogWarning("Refused a {Kind} body unread ({Size} bytes, SHA-256 {Sha256}, subject {Subject}): {Reason}",
                refused.Kind, size, refused.Head.Sha256, refused.Subject, reason);
        // Not passed on: the message is acknowledged, refused.
    }

    public void Probe(ProbeContext context) => context.CreateFilterScope("oversizedBody");
}
