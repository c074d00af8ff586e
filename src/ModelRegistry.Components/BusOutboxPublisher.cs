using MassTransit;
using ModelRegistry.Persistence.Outbox;

namespace ModelRegistry.Components;

/// <summary>Publishes outbox entries on the bus under their stored message id, so consumers can deduplicate.</summary>
public sealed class BusOutboxPublisher(IBus bus) : IOutboxPublisher
{
    public Task PublishAsync(OutboxEntry entry, CancellationToken cancellationToken)
    {
        var message = entry.Deserialize();
        return bus.Publish(message, message.GetType(), context => context.MessageId = entry.MessageId, cancellationToken);
    }
}
