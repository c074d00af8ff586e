using ModelRegistry.Deployments.Rules;
using ModelRegistry.Platform;

namespace ModelRegistry.Deployments;

/// <summary>Loads the environment policy named by Deployments:PolicyFile, or the built-in one when it is not set.</summary>
public static class EnvironmentPolicyFile
{
    /// <summary>The name of the built-in policy's source: the shipped config/deployment-policy.json, embedded.</summary>
    public const string BuiltInSource = "(built-in config/deployment-policy.json)";

    private static readonly Lazy<EnvironmentPolicy> Default = new(() =>
    {
        var result = EnvironmentPolicy.Parse(BuiltInJson(), BuiltInSource);
        return result.Policy ?? throw new InvalidOperationException(string.Join("; ", result.Errors));
    });

    /// <summary>The policy used when Deployments:PolicyFile is not set: the shipped config/deployment-policy.json.</summary>
    public static EnvironmentPolicy BuiltIn => Default.Value;

    /// <summary>The text of the shipped policy file, compiled into this assembly.</summary>
    public static string BuiltInJson() => PolicyFileText.BuiltIn(typeof(EnvironmentPolicyFile).Assembly, "deployment-policy.json");

    /// <summary>The policy, or one line per problem (each naming the setting, the file, its line and JSON path).</summary>
    public static (EnvironmentPolicy? Policy, IReadOnlyList<string> Errors) Load(string? policyFile)
    {
        if (string.IsNullOrWhiteSpace(policyFile)) return (BuiltIn, []);
        var setting = $"{DeploymentsOptions.Section}:PolicyFile";
        var (path, text, unreadable) = PolicyFileText.Read(policyFile, setting);
        if (text is null) return (null, [unreadable!]);
        var result = EnvironmentPolicy.Parse(text, path);
        return result.IsValid ? (result.Policy, []) : (null, result.Errors.Select(e => $"{setting}: {e}").ToList());
    }
}
