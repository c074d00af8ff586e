using System.Reflection;

namespace ModelRegistry.Platform;

/// <summary>The text of a policy file: the one a setting names, or the shipped one compiled into an assembly.</summary>
public static class PolicyFileText
{
    /// <summary>The embedded resource <paramref name="resource"/> of <paramref name="assembly"/> (a shipped config/*.json).</summary>
    public static string BuiltIn(Assembly assembly, string resource)
    {
        ArgumentNullException.ThrowIfNull(assembly);
        using var stream = assembly.GetManifestResourceStream(resource)
            ?? throw new InvalidOperationException($"the built-in {resource} resource is missing");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }

    /// <summary>The file's full path and text, or the line saying why it cannot be read, naming <paramref name="setting"/>.</summary>
    public static (string Path, string? Text, string? Error) Read(string file, string setting)
    {
        var path = System.IO.Path.GetFullPath(file);
        try
        {
            return (path, File.ReadAllText(path), null);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return (path, null, $"{setting}: cannot read {path}: {e.Message}");
        }
    }
}
