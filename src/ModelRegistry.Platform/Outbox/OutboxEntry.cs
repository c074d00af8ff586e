using System.Text.Json;

namespace ModelRegistry.Platform.Outbox;

/// <summary>An event to publish once the transaction that wrote it commits.</summary>
public sealed record OutboxEntry(Guid MessageId, string MessageType, string Body)
{
    public static OutboxEntry For<T>(T message, Guid? messageId = null) where T : class =>
        new(messageId ?? Guid.CreateVersion7(), OutboxMessageTypes.NameOf(typeof(T)), JsonSerializer.Serialize(message, OutboxMessageTypes.Json));

    public object Deserialize() =>
        JsonSerializer.Deserialize(Body, OutboxMessageTypes.TypeOf(MessageType), OutboxMessageTypes.Json)
        ?? throw new InvalidOperationException($"outbox message {MessageId} has an empty body");
}
