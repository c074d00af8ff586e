namespace ModelRegistry.Platform.Identity;

/// <summary>Loads the access policy named by Access:PolicyFile, or the built-in one (the development users) when it is not set.</summary>
public static class AccessPolicyFile
{
    public const string BuiltInSource = "(built-in config/access-policy.json)";

    private static readonly Lazy<AccessPolicy> Default = new(() =>
    {
        var result = AccessPolicy.Parse(BuiltInJson(), BuiltInSource);
        return result.Policy ?? throw new InvalidOperationException(string.Join("; ", result.Errors));
    });

    /// <summary>The policy used when Access:PolicyFile is not set: the shipped config/access-policy.json.</summary>
    public static AccessPolicy BuiltIn => Default.Value;

    /// <summary>The text of the shipped policy file, compiled into this assembly.</summary>
    public static string BuiltInJson()
    {
        using var stream = typeof(AccessPolicyFile).Assembly.GetManifestResourceStream("access-policy.json")
            ?? throw new InvalidOperationException("the built-in access-policy.json resource is missing");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }

    /// <summary>The policy, or one line per problem (each naming the setting, the file, its line and JSON path).</summary>
    public static (AccessPolicy? Policy, IReadOnlyList<string> Errors) Load(string? policyFile)
    {
        if (string.IsNullOrWhiteSpace(policyFile)) return (BuiltIn, []);
        var path = Path.GetFullPath(policyFile);
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return (null, [$"{AccessOptions.Section}:PolicyFile: cannot read {path}: {e.Message}"]);
        }
        var result = AccessPolicy.Parse(text, path);
        return result.IsValid ? (result.Policy, []) : (null, result.Errors.Select(e => $"{AccessOptions.Section}:PolicyFile: {e}").ToList());
    }
}
