using ModelRegistry.Platform;
using ModelRegistry.Retention.Rules;

namespace ModelRegistry.Retention;

/// <summary>Loads the retention policy named by Retention:PolicyFile, or the built-in one when it is not set.</summary>
public static class RetentionPolicyFile
{
    /// <summary>The name of the built-in policy's source: the shipped config/retention-policy.json, embedded.</summary>
    public const string BuiltInSource = "(built-in config/retention-policy.json)";

    private static readonly Lazy<RetentionPolicy> Default = new(() =>
    {
        var result = RetentionPolicyReader.Read(BuiltInJson(), BuiltInSource);
        return result.Policy ?? throw new InvalidOperationException(string.Join("; ", result.Errors));
    });

    /// <summary>The policy used when Retention:PolicyFile is not set.</summary>
    public static RetentionPolicy BuiltIn => Default.Value;

    /// <summary>The text of the shipped policy file, compiled into this assembly.</summary>
    public static string BuiltInJson() => PolicyFileText.BuiltIn(typeof(RetentionPolicyFile).Assembly, "retention-policy.json");

    /// <summary>The policy and its text, or one line per problem (each naming the setting, the file, its line and JSON path).</summary>
    public static (RetentionPolicy? Policy, string? Text, IReadOnlyList<string> Errors) Load(string? policyFile)
    {
        if (string.IsNullOrWhiteSpace(policyFile)) return (BuiltIn, BuiltInJson(), []);
        var setting = $"{RetentionOptions.Section}:PolicyFile";
        var (path, text, unreadable) = PolicyFileText.Read(policyFile, setting);
        if (text is null) return (null, null, [unreadable!]);
        var result = RetentionPolicyReader.Read(text, path);
        return result.IsValid ? (result.Policy, text, []) : (null, null, result.Errors.Select(e => $"{setting}: {e}").ToList());
    }
}
