namespace ModelRegistry.Platform.Identity;

/// <summary>Names a principal is granted: listed ones, or any (<c>"*"</c>).</summary>
public sealed record NameSet(bool Any, IReadOnlySet<string> Names)
{
    public static NameSet None { get; } = new(false, new HashSet<string>());

    public static NameSet Of(params string[] names) =>
        names.Contains("*") ? new(true, new HashSet<string>()) : new(false, new HashSet<string>(names, StringComparer.Ordinal));

    public bool Allows(string name) => Any || Names.Contains(name);

    public override string ToString() => Any ? "any" : Names.Count == 0 ? "none" : string.Join(", ", Names.Order(StringComparer.Ordinal));
}
