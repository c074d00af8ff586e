using System.Text.Json;
using System.Text.RegularExpressions;
using ModelRegistry.Platform.Rules;
using ModelRegistry.Platform.Outbox;

namespace ModelRegistry.Platform.Audit;

/// <summary>What refused input may put in an audit record's details.</summary>
public static partial class AuditText
{
    /// <summary>At most 1,000 characters, NUL and unpaired surrogates (which the chain's canonical form and jsonb refuse) as U+FFFD.</summary>
    public static string? Storable(string? value) => value is null ? null : Bounded.Clip(value, 1000);

    /// <summary>
    /// A refused message as JSON that jsonb accepts, kept for inspection: the serializer writes a NUL as the escape
    /// <c>\u0000</c>, which jsonb refuses, so each becomes <c>\uFFFD</c> (an escaped backslash followed by "u0000" is text,
    /// and stays).
    /// </summary>
    public static string RefusedPayload<T>(T message) =>
        EscapedNul().Replace(JsonSerializer.Serialize(message, OutboxMessageTypes.Json), "$1\\uFFFD");

    // An escape is \u0000 after an even number of backslashes (zero or more escaped backslashes).
    [GeneratedRegex(@"(?<!\\)((?:\\\\)*)\\u0000", RegexOptions.CultureInvariant)]
    private static partial Regex EscapedNul();

    /// <summary>The name when it is one a model can have (registry.models' check), else null: refused input names no model.</summary>
    public static string? ModelName(string? value) => value is not null && ModelNamePattern().IsMatch(value) ? value : null;

    /// <summary>The subject of a record about a possibly invalid model name: the name, or the input quoted and bounded.</summary>
    public static string ModelSubject(string? value) =>
        ModelName(value) ?? (value is null ? "(none)" : $"'{Storable(value.Length > 100 ? value[..100] : value)}'");

    [GeneratedRegex(@"\A[a-z0-9][a-z0-9._-]{0,99}\z", RegexOptions.CultureInvariant)]
    private static partial Regex ModelNamePattern();
}
