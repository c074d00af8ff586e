using ModelRegistry.Platform;
using RabbitMQ.Client;

namespace ModelRegistry.Testing;

/// <summary>
/// The exchanges a plain pipeline client publishes to and reads its answers from, declared as the registry would: a
/// pipeline's user may configure only <c>mreg.model-trained</c>, so the answers' exchanges must exist before it binds.
/// </summary>
public static class PlainPipelineExchanges
{
    public static readonly string[] All = ["mreg.model-trained", "mreg.model-version-registered", "mreg.model-registration-rejected"];

    /// <summary>Declares them with <paramref name="registry"/> (the workers' user).</summary>
    public static async Task DeclareAsync(RabbitMqOptions registry)
    {
        await using var connection = await Preflight.ConnectionFactory(registry).CreateConnectionAsync();
        await using var channel = await connection.CreateChannelAsync();
        foreach (var exchange in All) await channel.ExchangeDeclareAsync(exchange, ExchangeType.Fanout, durable: true, autoDelete: false);
    }
}
