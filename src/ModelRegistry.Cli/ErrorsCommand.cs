using System.Globalization;
using System.Text;
using System.Text.Json;
using ModelRegistry.Platform;
using RabbitMQ.Client;
using RabbitMQ.Client.Exceptions;
using ModelRegistry.Platform.Rules;

namespace ModelRegistry.Cli;

public sealed record FaultedMessage(string? MessageId, string? MessageType, string? FaultMessage, string? ExceptionType, string? FaultTimestamp,
    long? RedeliveryCount, int BodyBytes, string Body);
public sealed record ErrorQueueListing(string Queue, uint Messages, IReadOnlyList<FaultedMessage> Shown);
public sealed record ErrorQueueReplay(string From, string To, int Replayed, IReadOnlyList<string?> MessageIds);

/// <summary>
/// <c>mreg errors list|replay QUEUE</c>: the messages MassTransit moved to <c>QUEUE_error</c> after their retries ran out.
/// </summary>
/// <remarks>
/// Both read with basic.get and no ack. Closing the channel hands every unacknowledged message back to the
/// queue in its place; a nack with requeue inside the loop would put it back at the head, where the next get
/// would fetch it again.
/// </remarks>
public static class ErrorsCommand
{
    public const int DefaultListLimit = 20;
    public const int BodyPreviewChars = 200;

    private const string FaultHeaderPrefix = "MT-Fault-";
    private const string ReasonHeader = "MT-Reason";

    public static string ErrorQueue(string queue) => queue + "_error";

    public static async Task<int> ListAsync(CliSettings settings, string queue, int limit, bool json, TextWriter output, CancellationToken ct)
    {
        var errorQueue = ErrorQueue(queue);
        try
        {
            await using var connection = await Preflight.ConnectionFactory(settings.RabbitMq).CreateConnectionAsync("mreg-errors", ct);
            await using var channel = await connection.CreateChannelAsync(cancellationToken: ct);
            if (await DepthAsync(channel, errorQueue, ct) is not { } depth) return await NoQueueAsync(errorQueue, queue);

            var shown = new List<FaultedMessage>();
            while (shown.Count < Math.Min(limit, depth) && await channel.BasicGetAsync(errorQueue, autoAck: false, ct) is { } message)
                shown.Add(Describe(message));
            await channel.CloseAsync(ct); // returns them all, unacknowledged, in order

            var listing = new ErrorQueueListing(errorQueue, depth, shown);
            if (json) CliJson.Write(output, listing);
            else PrintList(listing, output);
            return 0;
        }
        catch (Exception e) when (IsRefusedToClients(e))
        {
            return await NeedsWorkersUserAsync(settings, e);
        }
        catch (Exception e) when (IsBrokerFailure(e))
        {
            return await BrokerUnavailableAsync(settings, e);
        }
    }

    /// <summary>
    /// Replays at most <paramref name="limit"/> messages (null: all those in the error queue when it starts), or only the
    /// one with <paramref name="messageId"/>, leaving the others where they are.
    /// </summary>
    public static async Task<int> ReplayAsync(CliSettings settings, string queue, int? limit, string? messageId, bool json, TextWriter output,
        CancellationToken ct)
    {
        var errorQueue = ErrorQueue(queue);
        var replayed = new List<string?>();
        try
        {
            await using var connection = await Preflight.ConnectionFactory(settings.RabbitMq).CreateConnectionAsync("mreg-errors", ct);
            await using var channel = await connection.CreateChannelAsync(
                new CreateChannelOptions(publisherConfirmationsEnabled: true, publisherConfirmationTrackingEnabled: true), ct);
            if (await DepthAsync(channel, errorQueue, ct) is not { } depth) return await NoQueueAsync(errorQueue, queue);
            if (await DepthAsync(channel, queue, ct) is null)
            {
                await Console.Error.WriteLineAsync($"mreg: queue '{queue}' does not exist; start its worker once so it is declared, then replay");
                return 1;
            }

            // Bounded by the depth at the start: a message that fails again and returns to the error queue is not replayed twice.
            var wanted = limit ?? int.MaxValue;
            for (uint seen = 0; seen < depth && replayed.Count < wanted; seen++)
            {
                if (await channel.BasicGetAsync(errorQueue, autoAck: false, ct) is not { } message) break;
                var id = MessageId(message);
                if (messageId is not null && !string.Equals(id, messageId, StringComparison.OrdinalIgnoreCase)) continue;

                // Throws when the broker nacks or cannot route it; the original is then still unacknowledged and goes back.
                await channel.BasicPublishAsync("", queue, mandatory: true, Replayable(message.BasicProperties), message.Body, ct);
                await channel.BasicAckAsync(message.DeliveryTag, multiple: false, ct);
                replayed.Add(id);
                if (messageId is not null) break;
            }
            await channel.CloseAsync(ct); // hands back the ones skipped

            if (messageId is not null && replayed.Count == 0)
            {
                await Console.Error.WriteLineAsync($"mreg: no message {messageId} in {errorQueue} ({depth} messages looked at)");
                return 1;
            }
            var result = new ErrorQueueReplay(errorQueue, queue, replayed.Count, replayed);
            if (json) CliJson.Write(output, result);
            else
            {
                foreach (var id in replayed) output.WriteLine($"replayed {id ?? "(no message id)"}");
                output.WriteLine($"replayed {replayed.Count} of {depth} messages from {errorQueue} to {queue}");
            }
            return 0;
        }
        catch (Exception e) when (IsRefusedToClients(e))
        {
            return await NeedsWorkersUserAsync(settings, e);
        }
        catch (PublishException e)
        {
            await Console.Error.WriteLineAsync(
                $"mreg: the broker {(e.IsReturn ? "could not route" : "refused")} a replayed message to '{queue}'; it stays in {errorQueue} ({replayed.Count} replayed before it)");
            return 1;
        }
        catch (Exception e) when (IsBrokerFailure(e))
        {
            return await BrokerUnavailableAsync(settings, e);
        }
    }

    /// <summary>The same message for its worker's queue: every property and header, without the fault's.</summary>
    public static BasicProperties Replayable(IReadOnlyBasicProperties p)
    {
        ArgumentNullException.ThrowIfNull(p);
        return new BasicProperties
        {
            ContentType = p.ContentType,
            ContentEncoding = p.ContentEncoding,
            MessageId = p.MessageId,
            CorrelationId = p.CorrelationId,
            Type = p.Type,
            DeliveryMode = p.DeliveryMode,
            Priority = p.Priority,
            Timestamp = p.Timestamp,
            Expiration = p.Expiration,
            ReplyTo = p.ReplyTo,
            AppId = p.AppId,
            ClusterId = p.ClusterId,
            // The original sender's: the registry takes its principal from user_id. Only an impersonator (the workers' user) may
            // publish it; anyone else is refused by the broker (NeedsWorkersUserAsync).
            UserId = p.UserId,
            Headers = WithMessageType(p.Headers),
        };
    }

    /// <summary>
    /// The headers without the fault's. A plain-JSON message is typed by the exchange it was published to, and a replay
    /// goes through the default exchange: so the type the worker read it as (MassTransit's MT-Fault-MessageType, e.g.
    /// <c>ModelRegistry.Contracts.Promotion.ApprovalDecided</c>) becomes its MT-MessageType, or a queue that takes several
    /// message types would read it as each of them.
    /// </summary>
    private static Dictionary<string, object?>? WithMessageType(IDictionary<string, object?>? headers)
    {
        if (headers is null) return null;
        var kept = headers
            .Where(h => !h.Key.StartsWith(FaultHeaderPrefix, StringComparison.OrdinalIgnoreCase)
                && !h.Key.Equals(ReasonHeader, StringComparison.OrdinalIgnoreCase))
            .ToDictionary(h => h.Key, h => h.Value);
        if (!kept.ContainsKey(MessageTypeHeader)
            && headers.TryGetValue(FaultMessageTypeHeader, out var faulted)
            && (faulted is byte[] bytes ? System.Text.Encoding.UTF8.GetString(bytes) : faulted as string) is { Length: > 0 } typeName
            && typeName.LastIndexOf('.') is var dot and > 0)
        {
            kept[MessageTypeHeader] = System.Text.Encoding.UTF8.GetBytes($"urn:message:{typeName[..dot]}:{typeName[(dot + 1)..]}");
        }
        return kept;
    }

    private const string MessageTypeHeader = "MT-MessageType";
    private const string FaultMessageTypeHeader = "MT-Fault-MessageType";

    private static async Task<uint?> DepthAsync(IChannel channel, string queue, CancellationToken ct)
    {
        try
        {
            return (await channel.QueueDeclarePassiveAsync(queue, ct)).MessageCount;
        }
        catch (OperationInterruptedException e) when (e.ShutdownReason?.ReplyCode == 404)
        {
            return null;
        }
    }

    private static async Task<int> NoQueueAsync(string errorQueue, string queue)
    {
        var hint = queue.EndsWith("_error", StringComparison.Ordinal) ? $" (QUEUE is the worker's queue, e.g. '{queue[..^6]}')" : "";
        await Console.Error.WriteLineAsync($"mreg: error queue '{errorQueue}' does not exist{hint}");
        return 1;
    }

    private static FaultedMessage Describe(BasicGetResult m)
    {
        var headers = m.BasicProperties.Headers;
        var envelope = Envelope(m.BasicProperties, m.Body);
        var preview = Encoding.UTF8.GetString(m.Body.Span[..Math.Min(m.Body.Length, BodyPreviewChars * 4)]);
        return new FaultedMessage(
            MessageId(m, envelope),
            envelope.MessageType ?? m.BasicProperties.Type ?? Header(headers, "MT-MessageType"),
            Header(headers, "MT-Fault-Message"),
            Header(headers, "MT-Fault-ExceptionType"),
            Header(headers, "MT-Fault-Timestamp"),
            long.TryParse(Header(headers, "MT-Redelivery-Count"), CultureInfo.InvariantCulture, out var count) ? count : null,
            m.Body.Length,
            preview.Length <= BodyPreviewChars ? preview : preview[..BodyPreviewChars]);
    }

    private static string? MessageId(BasicGetResult m) => MessageId(m, Envelope(m.BasicProperties, m.Body));

    private static string? MessageId(BasicGetResult m, (string? MessageId, string? MessageType) envelope) =>
        string.IsNullOrEmpty(m.BasicProperties.MessageId) ? envelope.MessageId : m.BasicProperties.MessageId;

    /// <summary>The message id and type from a MassTransit JSON envelope, when the body is one.</summary>
    private static (string? MessageId, string? MessageType) Envelope(IReadOnlyBasicProperties p, ReadOnlyMemory<byte> body)
    {
        if (p.ContentType is not { } type || !type.Contains("json", StringComparison.OrdinalIgnoreCase)) return (null, null);
        try
        {
            using var document = JsonDocument.Parse(body);
            if (document.RootElement.ValueKind != JsonValueKind.Object) return (null, null);
            string? id = document.RootElement.TryGetProperty("messageId", out var i) && i.ValueKind == JsonValueKind.String ? i.GetString() : null;
            string? messageType = document.RootElement.TryGetProperty("messageType", out var t) ? t.ValueKind switch
            {
                JsonValueKind.Array => string.Join(", ", t.EnumerateArray().Select(u => u.ToString())),
                JsonValueKind.String => t.GetString(),
                _ => null,
            } : null;
            return (id, messageType);
        }
        catch (JsonException)
        {
            return (null, null);
        }
    }

    private static string? Header(IDictionary<string, object?>? headers, string name) =>
        headers is not null && headers.TryGetValue(name, out var value) ? HeaderText(value) : null;

    private static string? HeaderText(object? value) => value switch
    {
        null => null,
        byte[] bytes => Encoding.UTF8.GetString(bytes),
        string s => s,
        AmqpTimestamp t => DateTimeOffset.FromUnixTimeSeconds(t.UnixTime).ToString("u"),
        IEnumerable<object?> list => string.Join(", ", list.Select(HeaderText)),
        _ => Convert.ToString(value, CultureInfo.InvariantCulture),
    };

    private static bool IsBrokerFailure(Exception e) =>
        e is BrokerUnreachableException or AlreadyClosedException or OperationInterruptedException or System.Net.Sockets.SocketException
            or TimeoutException;

    /// <summary>
    /// What a client user meets here: the broker refuses it the worker's error queue (ACCESS_REFUSED), or, where it may read
    /// it, the replay of another sender's user_id (PRECONDITION_FAILED).
    /// </summary>
    private static bool IsRefusedToClients(Exception e) =>
        e is OperationInterruptedException { ShutdownReason: { } reason }
        && (reason.ReplyCode == 403 || (reason.ReplyCode == 406 && reason.ReplyText.Contains("user_id", StringComparison.Ordinal)));

    public const string NeedsWorkersUser =
        "mreg errors needs the workers' broker user (RabbitMq__Username=mreg-workers): replaying keeps each message's original user_id, " +
        "which only the registry may publish (docs/security.md)";

    /// <summary>Exit 2, as for any other setting that cannot work: the user is the wrong one for this command.</summary>
    private static async Task<int> NeedsWorkersUserAsync(CliSettings settings, Exception e)
    {
        var reason = ((OperationInterruptedException)e).ShutdownReason!.ReplyText;
        await Console.Error.WriteLineAsync($"mreg: {NeedsWorkersUser}; the broker refused user '{settings.RabbitMq.Username}': {reason}");
        return 2;
    }

    private static async Task<int> BrokerUnavailableAsync(CliSettings settings, Exception e)
    {
        await Console.Error.WriteLineAsync($"mreg: {Preflight.DescribeBrokerFailure(settings.RabbitMq, e)}");
        return 3;
    }

    private static void PrintList(ErrorQueueListing l, TextWriter o)
    {
        o.WriteLine($"{l.Queue}: {l.Messages} messages{(l.Shown.Count < l.Messages ? $", showing the first {l.Shown.Count}" : "")}");
        foreach (var m in l.Shown)
        {
            o.WriteLine();
            o.WriteLine($"message id    {m.MessageId ?? "-"}");
            o.WriteLine($"message type  {m.MessageType ?? "-"}");
            o.WriteLine($"fault         {m.ExceptionType ?? "-"}: {m.FaultMessage ?? "-"}");
            o.WriteLine($"faulted at    {m.FaultTimestamp ?? "-"}");
            if (m.RedeliveryCount is { } n) o.WriteLine($"redeliveries  {n}");
            o.WriteLine($"body          {m.Body.ReplaceLineEndings(" ")}{(m.BodyBytes > Encoding.UTF8.GetByteCount(m.Body) ? $"... ({m.BodyBytes} bytes)" : "")}");
        }
    }
}
