using MassTransit;

namespace ModelRegistry.Platform.Identity;

/// <summary>
/// The principal RabbitMQ vouches for: the AMQP <c>user_id</c> property, which the broker refuses (closing the channel)
/// unless it equals the user of the connection that published it ("validated user-id"). Only users tagged
/// <c>impersonator</c> may publish another user's id: the registry's own (it moves refused messages to error queues with
/// their properties), none of the clients (compose/broker-users.json).
/// </summary>
public sealed class BrokerUserId : IMessagePrincipal
{
    public string? SenderOf(ConsumeContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return context.ReceiveContext.TryGetPayload<RabbitMqBasicConsumeContext>(out var delivery)
               && delivery.Properties.IsUserIdPresent() && !string.IsNullOrEmpty(delivery.Properties.UserId)
            ? delivery.Properties.UserId
            : null;
    }
}
