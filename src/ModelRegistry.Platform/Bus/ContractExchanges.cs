using Microsoft.Extensions.Hosting;
using RabbitMQ.Client;

namespace ModelRegistry.Platform;

/// <summary>
/// At start, before the bus: declares the exchange of every contract as MassTransit declares it (durable fanout). A client
/// user may not declare the registry's exchanges (compose/broker-users.json), and MassTransit makes an event's exchange
/// only when it first publishes that event: without this, a client that binds its queue to wait for, say, a rejection
/// would find no exchange to bind to, and miss the first one.
/// </summary>
public sealed class ContractExchanges(RabbitMqOptions rabbit) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var factory = Preflight.ConnectionFactory(rabbit);
        factory.ClientProvidedName = "mreg-contract-exchanges";
        await using var connection = await factory.CreateConnectionAsync(cancellationToken);
        await using var channel = await connection.CreateChannelAsync(cancellationToken: cancellationToken);
        foreach (var exchange in ExchangeTypedJsonDeserializer.Contracts.Select(ExchangeTypedJsonDeserializer.ExchangeOf))
            await channel.ExchangeDeclareAsync(exchange, ExchangeType.Fanout, durable: true, autoDelete: false, cancellationToken: cancellationToken);
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
