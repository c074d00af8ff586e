using System.Text;
using System.Text.Json;
using ModelRegistry.Contracts;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;
using RabbitMQ.Client.Exceptions;

namespace ModelRegistry.Platform.Audit;

/// <summary>A checkpoint could not be written to a sink; the message says where and why.</summary>
public sealed class AuditCheckpointSinkException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>
/// The broker sink: the durable stream queue <c>mreg.audit-checkpoints</c>, bound to the exchange <c>mreg.audit-checkpoint</c>.
/// A stream, not a classic queue, because reading it does not consume it: every <c>mreg audit verify --from-broker</c>
/// reads all checkpoints from the first, and a SIEM may read the same ones. Published with the mandatory flag and publisher
/// confirms, so a checkpoint that reaches no queue is an error, never silence.
/// </summary>
public static class AuditCheckpointBroker
{
    public const string Queue = "mreg.audit-checkpoints";

    /// <summary>How long the reader waits for a next checkpoint once none arrives (the stream delivers what it holds at once).</summary>
    public static readonly TimeSpan DefaultIdle = TimeSpan.FromSeconds(2);

    private static readonly TimeSpan ConfirmTimeout = TimeSpan.FromSeconds(30);

    public static string Exchange => ExchangeTypedJsonDeserializer.ExchangeOf<AuditCheckpoint>();

    internal static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    /// <summary>Declares the exchange, the stream and the binding (the <c>audit</c> worker does at start; idempotent).</summary>
    public static async Task DeclareAsync(RabbitMqOptions rabbit, CancellationToken ct)
    {
        var factory = Preflight.ConnectionFactory(rabbit);
        factory.ClientProvidedName = "mreg-audit-checkpoints";
        await using var connection = await factory.CreateConnectionAsync(ct);
        await using var channel = await connection.CreateChannelAsync(cancellationToken: ct);
        await channel.ExchangeDeclareAsync(Exchange, ExchangeType.Fanout, durable: true, autoDelete: false, cancellationToken: ct);
        await channel.QueueDeclareAsync(Queue, durable: true, exclusive: false, autoDelete: false,
            new Dictionary<string, object?> { ["x-queue-type"] = "stream" }, cancellationToken: ct);
        await channel.QueueBindAsync(Queue, Exchange, "", cancellationToken: ct);
    }

    /// <summary>
    /// Publishes <paramref name="checkpoint"/> as plain JSON, persistent, mandatory, as <paramref name="rabbit"/>'s user (its
    /// user_id), and returns once the broker confirmed it. Throws <see cref="AuditCheckpointSinkException"/> when it is not
    /// routed to a queue, the exchange is missing or the broker does not confirm.
    /// </summary>
    public static async Task PublishAsync(RabbitMqOptions rabbit, AuditCheckpoint checkpoint, CancellationToken ct)
    {
        var factory = Preflight.ConnectionFactory(rabbit);
        factory.ClientProvidedName = "mreg-audit-checkpoint";
        try
        {
            await using var connection = await factory.CreateConnectionAsync(ct);
            await using var channel = await connection.CreateChannelAsync(
                new CreateChannelOptions(publisherConfirmationsEnabled: true, publisherConfirmationTrackingEnabled: true), ct);
            var properties = new BasicProperties
            {
                ContentType = "application/json",
                DeliveryMode = DeliveryModes.Persistent,
                MessageId = Guid.NewGuid().ToString("D"),
                UserId = rabbit.Username,
                Type = AuditCheckpoints.Format,
            };
            using var confirm = CancellationTokenSource.CreateLinkedTokenSource(ct);
            confirm.CancelAfter(ConfirmTimeout);
            await channel.BasicPublishAsync(Exchange, "", mandatory: true, properties, JsonSerializer.SerializeToUtf8Bytes(checkpoint, Json), confirm.Token);
        }
        catch (PublishException e) when (e.IsReturn)
        {
            throw new AuditCheckpointSinkException(
                $"the checkpoint of record {checkpoint.Sequence} was returned unroutable by exchange '{Exchange}': no queue is bound to it " +
                $"(the audit worker declares the stream {Queue} at start)", e);
        }
        catch (OperationCanceledException e) when (!ct.IsCancellationRequested)
        {
            throw new AuditCheckpointSinkException($"the broker did not confirm the checkpoint within {ConfirmTimeout.TotalSeconds:0} s", e);
        }
        catch (Exception e) when (e is OperationInterruptedException or AlreadyClosedException or BrokerUnreachableException
                                      or PublishException or System.Net.Sockets.SocketException)
        {
            throw new AuditCheckpointSinkException($"publishing the checkpoint to exchange '{Exchange}' failed: {Preflight.DescribeBrokerFailure(rabbit, e)}", e);
        }
    }

    /// <summary>
    /// Every checkpoint in the stream, from the first, without consuming any (a stream's consumer only moves its own
    /// offset). AMQP gives no end-of-stream marker, and the broker may report no message count for a stream, so it reads
    /// until it has as many as a count reported when reading began or, without one, until nothing more arrives for
    /// <paramref name="idle"/> (the stream delivers what it holds at once).
    /// </summary>
    public static async Task<IReadOnlyList<AuditCheckpointRead>> ReadAllAsync(RabbitMqOptions rabbit, TimeSpan idle, CancellationToken ct)
    {
        var factory = Preflight.ConnectionFactory(rabbit);
        factory.ClientProvidedName = "mreg-audit-verify";
        try
        {
            await using var connection = await factory.CreateConnectionAsync(ct);
            await using var channel = await connection.CreateChannelAsync(cancellationToken: ct);
            var declared = await channel.QueueDeclarePassiveAsync(Queue, ct);
            var read = new List<AuditCheckpointRead>();
            var arrived = System.Threading.Channels.Channel.CreateUnbounded<AuditCheckpointRead>();
            await channel.BasicQosAsync(0, 500, false, ct);
            var consumer = new AsyncEventingBasicConsumer(channel);
            consumer.ReceivedAsync += async (_, delivery) =>
            {
                var offset = delivery.BasicProperties.Headers?.TryGetValue("x-stream-offset", out var o) == true ? o : null;
                arrived.Writer.TryWrite(Parse($"{Queue} offset {offset ?? "?"}", delivery.Body.Span));
                await channel.BasicAckAsync(delivery.DeliveryTag, false);
            };
            var tag = await channel.BasicConsumeAsync(Queue, autoAck: false, "", noLocal: false, exclusive: false,
                new Dictionary<string, object?> { ["x-stream-offset"] = "first" }, consumer, ct);
            while (declared.MessageCount == 0 || read.Count < declared.MessageCount)
            {
                using var wait = CancellationTokenSource.CreateLinkedTokenSource(ct);
                wait.CancelAfter(idle);
                try
                {
                    read.Add(await arrived.Reader.ReadAsync(wait.Token));
                }
                catch (OperationCanceledException) when (!ct.IsCancellationRequested)
                {
                    break;
                }
            }
            await channel.BasicCancelAsync(tag, cancellationToken: ct);
            return read;
        }
        catch (OperationInterruptedException e) when (e.ShutdownReason?.ReplyCode == 404)
        {
            throw new AuditCheckpointSinkException($"the stream {Queue} does not exist: no host has run the audit worker on this vhost", e);
        }
        catch (Exception e) when (e is OperationInterruptedException or AlreadyClosedException or BrokerUnreachableException
                                      or System.Net.Sockets.SocketException)
        {
            throw new AuditCheckpointSinkException($"reading {Queue}: {Preflight.DescribeBrokerFailure(rabbit, e)}", e);
        }
    }

    internal static AuditCheckpointRead Parse(string origin, ReadOnlySpan<byte> json)
    {
        try
        {
            return JsonSerializer.Deserialize<AuditCheckpoint>(json, Json) is { } c
                ? new AuditCheckpointRead(origin, c, null)
                : new AuditCheckpointRead(origin, null, "null");
        }
        catch (JsonException e)
        {
            return new AuditCheckpointRead(origin, null, e.Message);
        }
    }
}

/// <summary>
/// The file sink: one checkpoint per line (JSON), appended and fsynced, so a crash leaves at most a torn last line (reported
/// as malformed, never hiding the lines before it). Keep it where the database's administrators cannot write (docs/audit.md).
/// </summary>
public static class AuditCheckpointFile
{
    /// <summary>Appends <paramref name="checkpoint"/> as one line and flushes it to disk (fsync) before returning.</summary>
    public static void Append(string path, AuditCheckpoint checkpoint)
    {
        try
        {
            var line = JsonSerializer.SerializeToUtf8Bytes(checkpoint, AuditCheckpointBroker.Json).Append((byte)'\n').ToArray();
            using var file = new FileStream(path, new FileStreamOptions { Mode = FileMode.Append, Access = FileAccess.Write, Share = FileShare.ReadWrite });
            file.Write(line); // one write to a file opened O_APPEND: lines from several writers do not interleave
            file.Flush(flushToDisk: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new AuditCheckpointSinkException($"appending the checkpoint to {path} failed: {e.Message}", e);
        }
    }

    /// <summary>Every line of <paramref name="path"/> as a checkpoint (or why it is not one); blank lines are skipped.</summary>
    public static IReadOnlyList<AuditCheckpointRead> Read(string path)
    {
        var read = new List<AuditCheckpointRead>();
        var number = 0;
        foreach (var line in File.ReadLines(path, Encoding.UTF8))
        {
            number++;
            if (line.Length > 0) read.Add(AuditCheckpointBroker.Parse($"{path} line {number}", Encoding.UTF8.GetBytes(line)));
        }
        return read;
    }
}
