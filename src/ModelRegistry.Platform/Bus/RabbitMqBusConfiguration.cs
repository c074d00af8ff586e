using MassTransit;

namespace ModelRegistry.Platform;

/// <summary>The one place a bus is pointed at the broker the settings name.</summary>
public static class RabbitMqBusConfiguration
{
    public static void Host(this IRabbitMqBusFactoryConfigurator cfg, RabbitMqOptions o) =>
        cfg.Host(o.Host, (ushort)o.Port, o.VirtualHost, h =>
        {
            h.Username(o.Username);
            h.Password(o.Password);
        });
}
