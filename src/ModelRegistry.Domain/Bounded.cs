namespace ModelRegistry.Domain;

/// <summary>Input text cut to the length a field keeps.</summary>
public static class Bounded
{
    /// <summary>At most <paramref name="max"/> characters of <paramref name="text"/>; null as empty.</summary>
    public static string Clip(string? text, int max) => text is null ? "" : text.Length <= max ? text : text[..max];
}
