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
        cfg.ConfigureSend(send => send.UseExecute(context => Stamp(context, o.Username)));
        // Publishing has its own pipe: without this, a published event or command goes out with no user_id at all.
        cfg.ConfigurePublish(publish => publish.UseExecute(context => Stamp(context, o.Username)));
    }

    private static void Stamp(PipeContext context, string user)
    {
        if (context is RabbitMqSendContext rabbit || context.TryGetPayload(out rabbit!)) rabbit.BasicProperties.UserId ??= user;
    }
}
