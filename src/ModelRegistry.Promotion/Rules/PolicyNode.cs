using System.Text.Json;
using ModelRegistry.Platform;
using ModelRegistry.Platform.Rules;

namespace ModelRegistry.Promotion.Rules;

/// <summary>A JSON value with the byte offset it starts at, so that semantic errors can name their line.</summary>
internal sealed class PolicyNode(JsonTokenType kind, int offset)
{
    public JsonTokenType Kind { get; } = kind;
    public int Offset { get; } = offset;
    public List<PolicyProperty> Properties { get; } = [];
    public List<PolicyNode> Items { get; } = [];
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
}

internal sealed record PolicyProperty(string Name, int Offset, PolicyNode Value);
