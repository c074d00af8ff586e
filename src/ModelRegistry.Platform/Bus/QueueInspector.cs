using RabbitMQ.Client;
using RabbitMQ.Client.Exceptions;

namespace ModelRegistry.Platform;

public sealed record QueueState(string Queue, bool Exists, uint Messages, uint Consumers);

/// <summary>Reads queue depth and consumer count with a passive declare: works with the application's own user.</summary>
public static class QueueInspector
{
    public static async Task<IReadOnlyList<QueueState>> InspectAsync(RabbitMqOptions options, IEnumerable<string> queues, CancellationToken cancellationToken = default)
    {
        await using var connection = await Preflight.ConnectionFactory(options).CreateConnectionAsync("mreg-status", cancellationToken);
        var channel = await connection.CreateChannelAsync(cancellationToken: cancellationToken);
        var states = new List<QueueState>();
        try
        {
            foreach (var queue in queues)
            {
                try
                {
                    var ok = await channel.QueueDeclarePassiveAsync(queue, cancellationToken);
                    states.Add(new QueueState(queue, true, ok.MessageCount, ok.ConsumerCount));
                }
                catch (OperationInterruptedException e) when (e.ShutdownReason?.ReplyCode == 404)
                {
                    // A failed passive declare closes the channel.
                    states.Add(new QueueState(queue, false, 0, 0));
                    await channel.DisposeAsync();
                    channel = await connection.CreateChannelAsync(cancellationToken: cancellationToken);
                }
            }
        }
        finally
        {
            await channel.DisposeAsync();
        }
        return states;
    }
}
