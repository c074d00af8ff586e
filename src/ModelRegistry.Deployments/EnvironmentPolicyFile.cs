using ModelRegistry.Deployments.Rules;

namespace ModelRegistry.Deployments;

/// <summary>Loads the environment policy named by Deployments:PolicyFile, or the built-in one when it is not set.</summary>
public static class EnvironmentPolicyFile
{
    /// <summary>The policy, or one line per problem (each naming the setting, the file, its line and JSON path).</summary>
    public static (EnvironmentPolicy? Policy, IReadOnlyList<string> Errors) Load(string? policyFile)
    {
        if (string.IsNullOrWhiteSpace(policyFile)) return (EnvironmentPolicy.Default, []);
        var path = Path.GetFullPath(policyFile);
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return (null, [$"{DeploymentsOptions.Section}:PolicyFile: cannot read {path}: {e.Message}"]);
        }
        var result = EnvironmentPolicy.Parse(text, path);
        return result.IsValid ? (result.Policy, []) : (null, result.Errors.Select(e => $"{DeploymentsOptions.Section}:PolicyFile: {e}").ToList());
    }
}
