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
    public static string BuiltInJson() => PolicyFileText.BuiltIn(typeof(AccessPolicyFile).Assembly, "access-policy.json");

    /// <summary>The policy, or one line per problem (each naming the setting, the file, its line and JSON path).</summary>
    public static (AccessPolicy? Policy, IReadOnlyList<string> Errors) Load(string? policyFile)
    {
        if (string.IsNullOrWhiteSpace(policyFile)) return (BuiltIn, []);
        var setting = $"{AccessOptions.Section}:PolicyFile";
        var (path, text, unreadable) = PolicyFileText.Read(policyFile, setting);
        if (text is null) return (null, [unreadable!]);
        var result = AccessPolicy.Parse(text, path);
        return result.IsValid ? (result.Policy, []) : (null, result.Errors.Select(e => $"{setting}: {e}").ToList());
    }
}
