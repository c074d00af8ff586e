using System.Text;
using System.Text.Json;

namespace ModelRegistry.Platform.Rules;

/// <summary>
/// A JSON document read into nodes that keep the byte offset each starts at, so that a policy reader's semantic errors
/// can name line and column as well as the JSON path (the promotion policy and the environment policy both read so).
/// Comments are allowed; anything after the root value is a syntax error.
/// </summary>
public sealed class PositionedJson
{
    private readonly List<int> lineStarts = [0];

    private PositionedJson(byte[] bytes)
    {
        for (var i = 0; i < bytes.Length; i++)
            if (bytes[i] == (byte)'\n') lineStarts.Add(i + 1);
    }

    /// <summary>The root value; null when <see cref="SyntaxError"/> says why there is none.</summary>
    public PositionedJsonNode? Root { get; private init; }

    /// <summary>Why the text is no JSON document ("the document is empty", "not valid JSON: ..."), with where.</summary>
    public (int Line, int Column, string Message)? SyntaxError { get; private init; }

    public static PositionedJson Parse(string json)
    {
        ArgumentNullException.ThrowIfNull(json);
        var bytes = Encoding.UTF8.GetBytes(json);
        var empty = new PositionedJson(bytes) { SyntaxError = (1, 1, "the document is empty") };
        if (string.IsNullOrWhiteSpace(json)) return empty;
        try
        {
            var reader = new Utf8JsonReader(bytes, new JsonReaderOptions { CommentHandling = JsonCommentHandling.Skip });
            if (!reader.Read()) return empty;
            var root = PositionedJsonNode.Read(ref reader);
            reader.Read(); // throws on anything after the root value
            return new PositionedJson(bytes) { Root = root };
        }
        catch (JsonException e)
        {
            // The reader's message ends with its own " LineNumber: n | BytePositionInLine: m." which the position says better.
            var message = e.Message.IndexOf(" LineNumber:", StringComparison.Ordinal) is var at and >= 0 ? e.Message[..at] : e.Message;
            return new PositionedJson(bytes)
            {
                SyntaxError = ((int)(e.LineNumber ?? 0) + 1, (int)(e.BytePositionInLine ?? 0) + 1, $"not valid JSON: {message}"),
            };
        }
    }

    /// <summary>The 1-based line and column (in bytes) of <paramref name="offset"/>.</summary>
    public (int Line, int Column) PositionOf(int offset)
    {
        var line = lineStarts.BinarySearch(offset);
        if (line < 0) line = ~line - 1;
        return (line + 1, offset - lineStarts[line] + 1);
    }
}

/// <summary>A JSON value with the byte offset it starts at.</summary>
public sealed class PositionedJsonNode(JsonTokenType kind, int offset)
{
    public JsonTokenType Kind { get; } = kind;
    public int Offset { get; } = offset;
    public List<PositionedJsonProperty> Properties { get; } = [];
    public List<PositionedJsonNode> Items { get; } = [];
    public string? Text { get; init; }
    public double? Number { get; init; }
    public bool IsInteger { get; init; }

    public string KindName => Kind switch
    {
        JsonTokenType.StartObject => "an object",
        JsonTokenType.StartArray => "an array",
        JsonTokenType.String => "a string",
        JsonTokenType.Number => "a number",
        JsonTokenType.True or JsonTokenType.False => "a boolean",
        _ => "null",
    };

    /// <summary>Reads the value the reader is on, and everything inside it.</summary>
    internal static PositionedJsonNode Read(ref Utf8JsonReader reader)
    {
        var offset = (int)reader.TokenStartIndex;
        switch (reader.TokenType)
        {
            case JsonTokenType.StartObject:
                var obj = new PositionedJsonNode(JsonTokenType.StartObject, offset);
                while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
                {
                    var name = reader.GetString()!;
                    var at = (int)reader.TokenStartIndex;
                    reader.Read();
                    obj.Properties.Add(new(name, at, Read(ref reader)));
                }
                return obj;
            case JsonTokenType.StartArray:
                var array = new PositionedJsonNode(JsonTokenType.StartArray, offset);
                while (reader.Read() && reader.TokenType != JsonTokenType.EndArray) array.Items.Add(Read(ref reader));
                return array;
            case JsonTokenType.String:
                return new PositionedJsonNode(JsonTokenType.String, offset) { Text = reader.GetString() };
            case JsonTokenType.Number:
                return new PositionedJsonNode(JsonTokenType.Number, offset)
                {
                    Number = reader.TryGetDouble(out var d) ? d : null,
                    IsInteger = reader.TryGetInt32(out _),
                };
            default:
                return new PositionedJsonNode(reader.TokenType, offset);
        }
    }
}

/// <summary>An object's property: its name, where the name starts, its value.</summary>
public sealed record PositionedJsonProperty(string Name, int Offset, PositionedJsonNode Value);
