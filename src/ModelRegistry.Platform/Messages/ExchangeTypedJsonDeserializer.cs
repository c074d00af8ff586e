using System.Net.Mime;
using System.Reflection;
using MassTransit;
using MassTransit.Serialization;
using ModelRegistry.Contracts;

namespace ModelRegistry.Platform;

/// <summary>
/// Plain JSON from publishers that know nothing of MassTransit (docs/messages.md). A plain body does not say what it
/// is, and MassTransit's raw deserializer would then offer it to every consumer of the queue as every message type it
/// consumes: an ApprovalDecided arriving at the promotion queue would also be read as a CancelPromotion. The exchange
/// it was published to says what it is (each contract's [EntityName]), so that is made the body's message type unless
/// the publisher gave one (the MT-MessageType header). A body that arrives otherwise (the default exchange) keeps the
/// raw behaviour.
/// </summary>
public sealed class ExchangeTypedJsonDeserializer : IMessageDeserializer
{
    /// <summary>Every contract with an exchange (<c>[EntityName]</c>): what the bus reads by exchange and the outbox may carry.</summary>
    public static IReadOnlyList<Type> Contracts { get; } = typeof(ModelTrained).Assembly.GetTypes()
        .Where(t => t.GetCustomAttribute<EntityNameAttribute>() is not null).ToList();

    private static readonly Dictionary<string, Type> ContractByExchange =
        Contracts.ToDictionary(t => t.GetCustomAttribute<EntityNameAttribute>()!.EntityName, StringComparer.Ordinal);

    private static readonly Dictionary<string, string> TypeByExchange =
        ContractByExchange.ToDictionary(x => x.Key, x => MessageUrn.ForTypeString(x.Value), StringComparer.Ordinal);

    /// <summary>The contract published to <paramref name="exchange"/>, if any.</summary>
    public static Type? ContractOf(string? exchange) =>
        exchange is not null && ContractByExchange.TryGetValue(exchange, out var type) ? type : null;

    private readonly SystemTextJsonRawMessageSerializer inner = new(RawSerializerOptions.Default);

    public ContentType ContentType => inner.ContentType;

    /// <summary>The message type URN a plain body published to <paramref name="exchange"/> is read as, if any.</summary>
    public static string? MessageTypeOf(string? exchange) =>
        exchange is not null && TypeByExchange.TryGetValue(exchange, out var urn) ? urn : null;

    /// <summary>The exchange a contract is published to (its [EntityName]).</summary>
    public static string ExchangeOf<T>() => ExchangeOf(typeof(T));

    /// <summary>The exchange a contract is published to (its [EntityName]).</summary>
    public static string ExchangeOf(Type contract) =>
        contract.GetCustomAttribute<EntityNameAttribute>()?.EntityName ?? throw new ArgumentException($"{contract.Name} has no [EntityName]");

    public void Probe(ProbeContext context) => inner.Probe(context);

    public ConsumeContext Deserialize(ReceiveContext receiveContext)
    {
        ArgumentNullException.ThrowIfNull(receiveContext);
        var headers = receiveContext.TransportHeaders;
        if (headers.Get<string>(MessageHeaders.MessageType) is null
            && receiveContext is RabbitMqBasicConsumeContext rabbit
            && MessageTypeOf(rabbit.Exchange) is { } urn)
        {
            var typed = new DictionarySendHeaders();
            foreach (var header in headers.GetAll()) typed.Set(header.Key, header.Value);
            typed.Set(MessageHeaders.MessageType, urn);
            headers = typed;
        }
        return new JsonPathConsumeContext(receiveContext, inner.Deserialize(receiveContext.Body, headers, receiveContext.InputAddress));
    }

    public SerializerContext Deserialize(MessageBody body, Headers headers, Uri? destinationAddress = null) =>
        inner.Deserialize(body, headers, destinationAddress);

    public MessageBody GetMessageBody(string text) => inner.GetMessageBody(text);
}

/// <summary>Registers <see cref="ExchangeTypedJsonDeserializer"/> for <c>application/json</c> (and bodies without a content type).</summary>
public sealed class ExchangeTypedJsonDeserializerFactory : ISerializerFactory
{
    private readonly ExchangeTypedJsonDeserializer deserializer = new();
    private readonly SystemTextJsonRawMessageSerializer serializer = new(RawSerializerOptions.Default);

    public ContentType ContentType => SystemTextJsonRawMessageSerializer.JsonContentType;

    public IMessageSerializer CreateSerializer() => serializer;

    public IMessageDeserializer CreateDeserializer() => deserializer;
}
