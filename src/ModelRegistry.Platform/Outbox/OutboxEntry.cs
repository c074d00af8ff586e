using System.Text.Json;

namespace ModelRegistry.Platform.Outbox;

/// <summary>
/// An event to publish once the transaction that wrote it commits. Events with the same <see cref="OrderingKey"/> are
/// published in the order they were written, one after the other, whichever hosts relay them (<see cref="OutboxRelay"/>);
/// the writer must hold a lock that orders its commits with the other writers of the key (a model's row for
/// <see cref="OrderingKeys.Model"/>) from before it queues the event.
/// </summary>
public sealed record OutboxEntry(Guid MessageId, string MessageType, string Body, string? OrderingKey = null)
{
    public static OutboxEntry For<T>(T message, Guid? messageId = null, string? orderingKey = null) where T : class =>
        new(messageId ?? Guid.CreateVersion7(), OutboxMessageTypes.NameOf(typeof(T)), JsonSerializer.Serialize(message, OutboxMessageTypes.Json),
            orderingKey);

    public object Deserialize() =>
        JsonSerializer.Deserialize(Body, OutboxMessageTypes.TypeOf(MessageType), OutboxMessageTypes.Json)
        ?? throw new InvalidOperationException($"outbox message {MessageId} has an empty body");
}

/// <summary>The ordering keys of outbox events (<see cref="OutboxEntry.OrderingKey"/>).</summary>
public static class OrderingKeys
{
    /// <summary>A model's stage changes: ModelVersionPromoted, ModelVersionRolledBack, DeployModelVersion.</summary>
    public static string Model(string modelName) => "model:" + modelName;
}
