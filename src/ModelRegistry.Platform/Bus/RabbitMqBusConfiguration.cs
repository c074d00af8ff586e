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
        // Published messages do not pass the send pipe: both pipes stamp (a request client publishes its requests).
        cfg.ConfigureSend(send => send.UseExecute(context => StampUserId(context, o.Username)));
        cfg.ConfigurePublish(publish => publish.UseExecute(context => StampUserId(context, o.Username)));
    }

    private static void StampUserId(SendContext context, string username)
    {
        if (context is RabbitMqSendContext rabbit || context.TryGetPayload(out rabbit!)) rabbit.BasicProperties.UserId ??= username;
    }
}
