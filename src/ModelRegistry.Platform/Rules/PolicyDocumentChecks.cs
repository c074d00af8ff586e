using System.Text.Json;

namespace ModelRegistry.Platform.Rules;

/// <summary>
/// The checks every policy reader makes of a <see cref="PositionedJson"/> document (objects with known, unrepeated
/// properties; required ones), each problem reported with its line, column and JSON path: the environment policy and the
/// access policy read so.
/// </summary>
public sealed class PolicyDocumentChecks(PositionedJson document, Action<int, int, string, string> report)
{
    /// <summary>Reports <paramref name="message"/> at <paramref name="offset"/> (its line and column) under <paramref name="path"/>.</summary>
    public void Error(int offset, string path, string message)
    {
        var (line, column) = document.PositionOf(offset);
        report(line, column, path, message);
    }

    /// <summary>The properties of an object, after reporting unknown (when <paramref name="allowed"/> is given) and repeated ones.</summary>
    public Dictionary<string, (int Offset, PositionedJsonNode Node)>? Fields(PositionedJsonNode node, string path, params string[] allowed)
    {
        ArgumentNullException.ThrowIfNull(node);
        if (node.Kind != JsonTokenType.StartObject)
        {
            Error(node.Offset, path, $"must be an object, not {node.KindName}");
            return null;
        }
        var fields = new Dictionary<string, (int, PositionedJsonNode)>(StringComparer.Ordinal);
        foreach (var (name, offset, value) in node.Properties)
        {
            var at = path.Length == 0 ? name : $"{path}.{name}";
            if (allowed.Length > 0 && !allowed.Contains(name, StringComparer.Ordinal))
                Error(offset, at, $"unknown property; expected one of {string.Join(", ", allowed)}");
            else if (!fields.TryAdd(name, (offset, value)))
                Error(offset, at, "appears more than once");
        }
        return fields;
    }

    /// <summary>The value of <paramref name="name"/>, or null after reporting it missing from <paramref name="parent"/>.</summary>
    public PositionedJsonNode? Required(Dictionary<string, (int Offset, PositionedJsonNode Node)> fields, PositionedJsonNode parent, string path, string name)
    {
        ArgumentNullException.ThrowIfNull(fields);
        ArgumentNullException.ThrowIfNull(parent);
        if (fields.TryGetValue(name, out var p)) return p.Node;
        Error(parent.Offset, path.Length == 0 ? name : $"{path}.{name}", "is required");
        return null;
    }
}
