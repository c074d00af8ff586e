namespace ModelRegistry.Platform.Rules;

/// <summary>Input text cut to the length a field keeps, and made storable.</summary>
public static class Bounded
{
    /// <summary>
    /// At most <paramref name="max"/> characters of <paramref name="text"/>, null as empty, with every NUL and unpaired
    /// surrogate (which PostgreSQL's text and jsonb refuse, so the write would fail on every redelivery) as U+FFFD. A
    /// surrogate pair cut in half by the limit leaves a U+FFFD.
    /// </summary>
    public static string Clip(string? text, int max) => Storable(text is null ? "" : text.Length <= max ? text : text[..max]);

    /// <summary><paramref name="text"/> with every NUL and unpaired surrogate as U+FFFD; the same instance when there is none.</summary>
    public static string Storable(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        char[]? chars = null;
        for (var i = 0; i < text.Length; i++)
        {
            if (char.IsHighSurrogate(text[i]) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1])) i++;
            else if (text[i] == '\0' || char.IsSurrogate(text[i])) (chars ??= text.ToCharArray())[i] = '\uFFFD';
        }
        return chars is null ? text : new string(chars);
    }
}
