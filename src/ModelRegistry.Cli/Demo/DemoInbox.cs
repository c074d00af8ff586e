using ModelRegistry.Platform;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;
using RabbitMQ.Client.Exceptions;

namespace ModelRegistry.Cli.Demo;

/// <summary>
/// An actor's own durable queue, bound to the fanout exchanges of the registry events it wants, as docs/messages.md
/// ("Receiving events") tells outside systems to do. Every event read is kept and acknowledged; an actor waits for the one
/// that answers what it sent (matched by its key), so events of earlier runs or of other publishers are passed over.
/// </summary>
internal sealed class DemoInbox : IAsyncDisposable
{
    /// <summary>The queue is deleted by the broker after a day unused, so it does not collect the registry's events for ever.</summary>
    public static readonly TimeSpan Expiry = TimeSpan.FromDays(1);

    private readonly IChannel channel;
    private readonly Lock gate = new();
    private readonly List<object> received = [];
    private readonly List<(Func<object, bool> Match, TaskCompletionSource<object> Found)> waiters = [];

    private DemoInbox(IChannel channel, string queue)
    {
        this.channel = channel;
        Queue = queue;
    }

    public string Queue { get; }

    public static async Task<DemoInbox> OpenAsync(IConnection connection, string actor, string queue, IReadOnlyList<Type> events,
        CancellationToken ct)
    {
        var channel = await connection.CreateChannelAsync(cancellationToken: ct);
        try
        {
            await channel.QueueDeclareAsync(queue, durable: true, exclusive: false, autoDelete: false,
                new Dictionary<string, object?> { ["x-expires"] = (int)Expiry.TotalMilliseconds }, cancellationToken: ct);
            // A client may not declare the registry's exchanges: the registry declares every event's at start.
            foreach (var exchange in events.Select(ExchangeTypedJsonDeserializer.ExchangeOf))
            {
                try
                {
                    await channel.QueueBindAsync(queue, exchange, "", cancellationToken: ct);
                }
                catch (OperationInterruptedException e) when (e.ShutdownReason?.ReplyCode == 404)
                {
                    throw new DemoFailure(actor, $"exchange '{exchange}' does not exist: start the registry (./run.sh) on this vhost first");
                }
            }
            await channel.BasicQosAsync(0, 256, false, ct);
            var inbox = new DemoInbox(channel, queue);
            var consumer = new AsyncEventingBasicConsumer(channel);
            consumer.ReceivedAsync += inbox.OnDeliveryAsync;
            await channel.BasicConsumeAsync(queue, autoAck: false, consumer, ct);
            return inbox;
        }
        catch
        {
            await channel.DisposeAsync();
            throw;
        }
    }

    private async Task OnDeliveryAsync(object sender, BasicDeliverEventArgs delivery)
    {
        if (CliBroker.Read(delivery.Exchange, delivery.Body) is { } e) Record(e.Message);
        await channel.BasicAckAsync(delivery.DeliveryTag, multiple: false);
    }

    private void Record(object message)
    {
        List<TaskCompletionSource<object>> found = [];
        lock (gate)
        {
            received.Add(message);
            waiters.RemoveAll(w =>
            {
                if (!w.Match(message)) return false;
                found.Add(w.Found);
                return true;
            });
        }
        foreach (var f in found) f.TrySetResult(message);
    }

    /// <summary>
    /// The first event (already read or still to come) that <paramref name="match"/> accepts; null when none came within
    /// <paramref name="timeout"/>. No polling: a waiter is woken by the delivery itself.
    /// </summary>
    public async Task<object?> WaitAsync(Func<object, bool> match, TimeSpan timeout, CancellationToken ct)
    {
        var waiter = (Match: match, Found: new TaskCompletionSource<object>(TaskCreationOptions.RunContinuationsAsynchronously));
        lock (gate)
        {
            if (received.FirstOrDefault(match) is { } already) return already;
            waiters.Add(waiter);
        }
        try
        {
            return await waiter.Found.Task.WaitAsync(timeout, ct);
        }
        catch (TimeoutException)
        {
            return null;
        }
        finally
        {
            lock (gate) waiters.Remove(waiter);
        }
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (channel.IsOpen) await channel.CloseAsync();
        }
        catch (Exception e) when (CliBroker.IsBrokerFailure(e))
        {
        }
        await channel.DisposeAsync();
    }
}
