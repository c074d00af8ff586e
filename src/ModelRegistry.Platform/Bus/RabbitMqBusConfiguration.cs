using MassTransit;

namespace ModelRegistry.Platform;

/// <summary>The one place a bus is pointed at the broker the settings name.</summary>
public static class RabbitMqBusConfiguration
{
    /// <summary>
    /// Connects as <see cref="RabbitMqOptions.Username"/> and stamps that user as the AMQP <c>user_id</c> of everything the
    /// bus sends or publishes without one: the broker validates it against the connection (only an impersonator may set
    /// another), and receivers take it as the principal (docs/security.md).
    /// </summary>
    public static void Host(this IRabbitMqBusFactoryConfigurator cfg, RabbitMqOptions o)
    {
        cfg.Host(o.Host, (ushort)o.Port, o.VirtualHost, h =>
        {
            h.Username(o.Username);
            h.Password(o.Password);
        });
        cfg.ConfigureSend(send => send.UseExecute(context => StampUser(context, o.Username)));
        // A publish runs the publish pipe, not the send pipe (MassTransit's publish endpoints adapt the one to the other):
        // without this the bus's events and internal messages went out with no user_id.
        cfg.ConfigurePublish(publish => publish.UseExecute(context => StampUser(context, o.Username)));
    }

    private static void StampUser(SendContext context, string user)
    {
        if (context is RabbitMqSendContext rabbit || context.TryGetPayload(out rabbit!)) rabbit.BasicProperties.UserId ??= user;
    }
}
