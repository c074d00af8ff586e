using MassTransit;
using ModelRegistry.Platform.Outbox;

namespace ModelRegistry.Platform;

/// <summary>Publishes outbox messages on the bus under their stored message id, so consumers can deduplicate.</summary>
public sealed class BusOutboxPublisher(IBus bus) : IOutboxPublisher
{
    // The token bounds the wait for the broker's confirm too: without it a confirm lost with its
    // channel in a broker restart is awaited forever (RabbitMQ.Client 7.2 has no confirm timeout).
    public Task PublishAsync(Guid messageId, object message, CancellationToken cancellationToken) =>
        bus.Publish(message, message.GetType(), context => context.MessageId = messageId, cancellationToken);
}
