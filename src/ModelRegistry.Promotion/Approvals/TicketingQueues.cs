using ModelRegistry.Contracts.Promotion;
using ModelRegistry.Platform;
using RabbitMQ.Client;
using RabbitMQ.Client.Exceptions;

namespace ModelRegistry.Promotion.Approvals;

/// <summary>
/// One durable queue per configured ticketing integration, <c>ticketing.&lt;name&gt;</c>, bound to the
/// <see cref="ApprovalRequested"/> exchange and declared by the registry when it starts: a request published while the
/// integration is down, or before it ever connected, waits there for it (docs/ticketing.md, "The conversation"). The
/// registry never consumes these queues.
/// </summary>
public static class TicketingQueues
{
    public const string Prefix = "ticketing.";

    /// <summary>The queue of integration <paramref name="integration"/>.</summary>
    public static string QueueOf(string integration) => Prefix + integration;

    /// <summary>
    /// Declares the exchange as MassTransit does (durable fanout), each integration's queue (durable, classic) unless it
    /// exists already (an operator may have made it a quorum queue), and binds them. Idempotent.
    /// </summary>
    public static async Task DeclareAsync(RabbitMqOptions rabbit, IEnumerable<string> integrations, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(integrations);
        var names = integrations.ToList();
        if (names.Count == 0) return;
        var exchange = ExchangeTypedJsonDeserializer.ExchangeOf<ApprovalRequested>();
        var factory = Preflight.ConnectionFactory(rabbit);
        factory.ClientProvidedName = "mreg-ticketing-queues";
        await using var connection = await factory.CreateConnectionAsync(ct);
        var channel = await connection.CreateChannelAsync(cancellationToken: ct);
        try
        {
            await channel.ExchangeDeclareAsync(exchange, ExchangeType.Fanout, durable: true, autoDelete: false, cancellationToken: ct);
            foreach (var queue in names.Select(QueueOf))
            {
                try
                {
                    await channel.QueueDeclarePassiveAsync(queue, ct);
                }
                catch (OperationInterruptedException e) when (e.ShutdownReason?.ReplyCode == 404)
                {
                    // The broker closes the channel on a passive declare of a missing queue.
                    await channel.DisposeAsync();
                    channel = await connection.CreateChannelAsync(cancellationToken: ct);
                    await channel.QueueDeclareAsync(queue, durable: true, exclusive: false, autoDelete: false, cancellationToken: ct);
                }
                await channel.QueueBindAsync(queue, exchange, "", cancellationToken: ct);
            }
        }
        finally
        {
            await channel.DisposeAsync();
        }
    }
}
