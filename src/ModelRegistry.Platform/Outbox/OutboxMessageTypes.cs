using System.Text.Json;

namespace ModelRegistry.Platform.Outbox;

/// <summary>
/// The messages the outbox may carry, by stable name (the type's name), and how their bodies are serialized: every
/// contract with an exchange (<c>[EntityName]</c>), so a module's new event needs no registration here. Two contracts
/// with one name would make a stored row ambiguous: that fails at the first use of this class (and in its specs).
/// </summary>
public static class OutboxMessageTypes
{
    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    private static readonly Dictionary<string, Type> ByName = ExchangeTypedJsonDeserializer.Contracts.ToDictionary(t => t.Name);

    public static string NameOf(Type type) =>
        ByName.TryGetValue(type.Name, out var known) && known == type
            ? type.Name
            : throw new ArgumentException($"{type.Name} is not an outbox message type (a contract with [EntityName])", nameof(type));

    public static Type TypeOf(string name) =>
        ByName.TryGetValue(name, out var type) ? type : throw new InvalidOperationException($"unknown outbox message type '{name}'");
}
