using System.Text.Json;

namespace ModelRegistry.Deployments.Rules;

/// <summary>A JSON value with the byte offset it starts at, so that the policy reader's errors can name their line.</summary>
internal sealed class PolicyJsonNode(JsonTokenType kind, int offset)
{
    public JsonTokenType Kind { get; } = kind;
    public int Offset { get; } = offset;
    public List<(string Name, int Offset, PolicyJsonNode Value)> Properties { get; } = [];
    public string? Text { get; init; }
    public double? Number { get; init; }

    public string KindName => Kind switch
    {
        JsonTokenType.StartObject => "an object",
        JsonTokenType.StartArray => "an array",
        JsonTokenType.String => "a string",
        JsonTokenType.Number => "a number",
        JsonTokenType.True or JsonTokenType.False => "a boolean",
        _ => "null",
    };

    /// <summary>Reads the value the reader is on (and everything inside it).</summary>
    public static PolicyJsonNode Read(ref Utf8JsonReader reader)
    {
        var offset = (int)reader.TokenStartIndex;
        switch (reader.TokenType)
        {
            case JsonTokenType.StartObject:
                var obj = new PolicyJsonNode(JsonTokenType.StartObject, offset);
                while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
                {
                    var name = reader.GetString()!;
                    var at = (int)reader.TokenStartIndex;
                    reader.Read();
                    obj.Properties.Add((name, at, Read(ref reader)));
                }
                return obj;
            case JsonTokenType.StartArray:
                var array = new PolicyJsonNode(JsonTokenType.StartArray, offset);
                // The policy has no arrays: only the position matters, for the error.
                while (reader.Read() && reader.TokenType != JsonTokenType.EndArray) Read(ref reader);
                return array;
            case JsonTokenType.String:
                return new PolicyJsonNode(JsonTokenType.String, offset) { Text = reader.GetString() };
            case JsonTokenType.Number:
                return new PolicyJsonNode(JsonTokenType.Number, offset) { Number = reader.TryGetDouble(out var d) ? d : null };
            default:
                return new PolicyJsonNode(reader.TokenType, offset);
        }
    }
}
