using System.Text.RegularExpressions;

namespace ModelRegistry.Persistence.Registration;

/// <summary>What refused input may put in an audit record's details.</summary>
internal static partial class AuditText
{
    /// <summary>At most 1,000 characters, NUL and unpaired surrogates (which the chain's canonical form and jsonb refuse) as U+FFFD.</summary>
    public static string? Storable(string? value)
    {
        if (value is null) return null;
        var chars = (value.Length > 1000 ? value[..1000] : value).ToCharArray();
        for (var i = 0; i < chars.Length; i++)
        {
            if (char.IsHighSurrogate(chars[i]) && i + 1 < chars.Length && char.IsLowSurrogate(chars[i + 1])) i++;
            else if (chars[i] == '\0' || char.IsSurrogate(chars[i])) chars[i] = '\uFFFD';
        }
        return new string(chars);
    }

    /// <summary>The name when it is one a model can have (registry.models' check), else null: refused input names no model.</summary>
    public static string? ModelName(string? value) => value is not null && ModelNamePattern().IsMatch(value) ? value : null;

    /// <summary>The subject of a record about a possibly invalid model name: the name, or the input quoted and bounded.</summary>
    public static string ModelSubject(string? value) =>
        ModelName(value) ?? (value is null ? "(none)" : $"'{Storable(value.Length > 100 ? value[..100] : value)}'");

    [GeneratedRegex(@"\A[a-z0-9][a-z0-9._-]{0,99}\z", RegexOptions.CultureInvariant)]
    private static partial Regex ModelNamePattern();
}
