namespace ModelRegistry.Platform;

/// <summary>The parsing of <c>--workers</c> against a catalog of modules.</summary>
public static class ModuleSelection
{
    /// <summary>
    /// Parses a comma-separated selection ("all", empty, or names) in catalog order. Unknown names are errors that list
    /// the known ones.
    /// </summary>
    public static (IReadOnlyList<IRegistryModule> Selected, string? Error) Select(IReadOnlyList<IRegistryModule> catalog, string? selection)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        if (string.IsNullOrWhiteSpace(selection) || selection.Trim() == "all") return (catalog, null);
        var names = selection.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var unknown = names.Where(n => catalog.All(m => m.Name != n)).ToList();
        if (unknown.Count > 0)
            return ([], $"Workers: unknown worker '{string.Join("', '", unknown)}' (known: {string.Join(", ", catalog.Select(m => m.Name))}, or all)");
        return (catalog.Where(m => names.Contains(m.Name)).ToList(), null);
    }
}

/// <summary>The modules this host process runs.</summary>
public sealed record SelectedModules(IReadOnlyList<IRegistryModule> Modules);
