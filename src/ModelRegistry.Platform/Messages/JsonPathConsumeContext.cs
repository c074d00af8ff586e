using System.Diagnostics.CodeAnalysis;
using System.Net.Mime;
using System.Text.Json;
using MassTransit;
using MassTransit.Serialization;

namespace ModelRegistry.Platform;

/// <summary>
/// A received body, read as its message on demand, whose read failure names the JSON path at fault in the error queue.
/// MassTransit keeps only the innermost exception's message in the fault headers (<c>MT-Fault-Message</c>, what
/// <c>mreg errors list</c> shows), and System.Text.Json puts the path in the outer one: "The JSON value could not be
/// converted to System.Int32. Path: $.version ..." around "Cannot get the value of a token type 'String' as a number.". The
/// failure is thrown again as one exception that carries both, path first.
/// </summary>
public sealed class JsonPathConsumeContext(ReceiveContext receiveContext, SerializerContext serializerContext)
    : BodyConsumeContext(receiveContext, serializerContext)
{
    public override bool TryGetMessage<T>([NotNullWhen(true)] out ConsumeContext<T>? message)
    {
        try
        {
            return base.TryGetMessage(out message);
        }
        catch (JsonException e) when (e.Path is not null)
        {
            throw Named(e);
        }
    }

    /// <summary>
    /// The same failure as one exception without an inner one, its message led by the path: "$.version: The JSON value could not
    /// be converted to System.Int32. Cannot get the value of a token type 'String' as a number."
    /// </summary>
    public static JsonException Named(JsonException e)
    {
        ArgumentNullException.ThrowIfNull(e);
        // System.Text.Json ends its message with " Path: $.x | LineNumber: 0 | BytePositionInLine: 9.": the path goes in front.
        var message = e.Message;
        var at = message.IndexOf(" Path: ", StringComparison.Ordinal);
        if (at >= 0) message = message[..at];
        var inner = e.InnerException?.GetBaseException().Message;
        var text = inner is null || message.Contains(inner, StringComparison.Ordinal) ? $"{e.Path}: {message}" : $"{e.Path}: {message} {inner}";
        return new JsonException(text, e.Path, e.LineNumber, e.BytePositionInLine);
    }
}

/// <summary>MassTransit's envelope (<c>application/vnd.masstransit+json</c>) read as MassTransit reads it, into a <see cref="JsonPathConsumeContext"/>.</summary>
public sealed class EnvelopeJsonDeserializerFactory : ISerializerFactory
{
    private readonly SystemTextJsonMessageSerializer serializer = new();
    private readonly Deserializer deserializer;

    public EnvelopeJsonDeserializerFactory() => deserializer = new Deserializer(serializer);

    public ContentType ContentType => SystemTextJsonMessageSerializer.JsonContentType;

    public IMessageSerializer CreateSerializer() => serializer;

    public IMessageDeserializer CreateDeserializer() => deserializer;

    private sealed class Deserializer(SystemTextJsonMessageSerializer inner) : IMessageDeserializer
    {
        public ContentType ContentType => inner.ContentType;

        public void Probe(ProbeContext context) => inner.Probe(context);

        public ConsumeContext Deserialize(ReceiveContext receiveContext)
        {
            ArgumentNullException.ThrowIfNull(receiveContext);
            return new JsonPathConsumeContext(receiveContext,
                inner.Deserialize(receiveContext.Body, receiveContext.TransportHeaders, receiveContext.InputAddress));
        }

        public SerializerContext Deserialize(MessageBody body, Headers headers, Uri? destinationAddress = null) =>
            inner.Deserialize(body, headers, destinationAddress);

        public MessageBody GetMessageBody(string text) => inner.GetMessageBody(text);
    }
}
