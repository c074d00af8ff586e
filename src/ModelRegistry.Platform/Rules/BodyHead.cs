using System.Text;
using System.Text.Json;

namespace ModelRegistry.Platform.Rules;

/// <summary>
/// What the registry keeps of a body it refuses unread (one over <c>Messages:MaxBodyBytes</c>): its size, its SHA-256,
/// its first bytes as text, and the ids and names found in those first bytes, so the rejection event can say whom it
/// concerns. Only the head is parsed, as far as it goes, never the whole body.
/// </summary>
public sealed record BodyHead(long Size, string Sha256, string Text, IReadOnlyDictionary<string, string> Fields)
{
    /// <summary>How many bytes of a refused body are kept (and searched for ids).</summary>
    public const int KeptBytes = 4096;

    /// <summary>The longest field value kept from a head; longer ones are cut.</summary>
    public const int MaxFieldLength = 200;

    public static BodyHead Of(ReadOnlySpan<byte> body)
    {
        var head = body[..Math.Min(body.Length, KeptBytes)];
        return new BodyHead(body.Length, Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(body)),
            Bounded.Storable(Encoding.UTF8.GetString(head)), FieldsOf(head));
    }

    /// <summary>The field's value (names compared ignoring case), or null.</summary>
    public string? Field(string name) => Fields.TryGetValue(name, out var value) ? value : null;

    /// <summary>The field as a UUID, or <see cref="Guid.Empty"/>.</summary>
    public Guid Id(string name) => Guid.TryParse(Field(name), out var id) ? id : Guid.Empty;

    /// <summary>
    /// The scalar properties (strings and numbers) of the top-level object that appear in <paramref name="head"/>, and
    /// those of its <c>message</c> object (MassTransit's envelope), which win. Parsing stops where the head ends or
    /// stops being JSON.
    /// </summary>
    public static IReadOnlyDictionary<string, string> FieldsOf(ReadOnlySpan<byte> head)
    {
        var top = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        var envelope = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        var reader = new Utf8JsonReader(head, isFinalBlock: false, new JsonReaderState(new JsonReaderOptions { MaxDepth = 64 }));
        string? property = null;
        var inMessage = false;
        try
        {
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject) return top;
            while (reader.Read())
            {
                var depth = reader.CurrentDepth;
                switch (reader.TokenType)
                {
                    case JsonTokenType.PropertyName when depth == 1 || (depth == 2 && inMessage):
                        property = reader.GetString();
                        break;
                    case JsonTokenType.StartObject when depth == 1 && property is not null:
                        inMessage = property.Equals("message", StringComparison.OrdinalIgnoreCase);
                        property = null;
                        break;
                    case JsonTokenType.EndObject when depth == 1:
                        inMessage = false;
                        break;
                    case JsonTokenType.String or JsonTokenType.Number when property is not null && (depth == 1 || (depth == 2 && inMessage)):
                        var value = reader.TokenType == JsonTokenType.String ? reader.GetString()! : Encoding.UTF8.GetString(reader.ValueSpan);
                        (depth == 1 ? top : envelope).TryAdd(property, Bounded.Clip(value, MaxFieldLength));
                        property = null;
                        break;
                    case JsonTokenType.EndObject when depth == 0:
                        return Merge(top, envelope);
                    default:
                        if (depth <= 2) property = null;
                        break;
                }
            }
        }
        catch (JsonException)
        {
            // The head stops being JSON here: keep what was read before.
        }
        catch (InvalidOperationException)
        {
            // A string that is not valid UTF-8 or a property name GetString cannot decode: same.
        }
        return Merge(top, envelope);
    }

    private static Dictionary<string, string> Merge(Dictionary<string, string> top, Dictionary<string, string> envelope)
    {
        foreach (var (key, value) in envelope) top[key] = value;
        return top;
    }
}
