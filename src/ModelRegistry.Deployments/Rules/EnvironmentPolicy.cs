using System.Reflection;

namespace ModelRegistry.Deployments.Rules;

/// <summary>
/// The environment policy (docs/deployments.md, "Environment policy and violations"): per environment, which stages may
/// serve there and at what traffic share, and whether only registered versions may serve. An environment the policy
/// does not name follows <see cref="OtherEnvironments"/>. Retired versions never serve anywhere.
/// </summary>
public sealed record EnvironmentPolicy(IReadOnlyDictionary<string, EnvironmentRule> Environments, string OtherEnvironments)
{
    /// <summary>The name of the built-in policy's source: the shipped config/deployment-policy.json, embedded.</summary>
    public const string BuiltInSource = "(built-in config/deployment-policy.json)";

    private static readonly Lazy<EnvironmentPolicy> BuiltIn = new(() =>
    {
        var result = DeploymentPolicyReader.Read(BuiltInJson(), BuiltInSource);
        return result.Policy ?? throw new InvalidOperationException(string.Join("; ", result.Errors));
    });

    /// <summary>The policy used when Deployments:PolicyFile is not set: the same as the shipped config/deployment-policy.json.</summary>
    public static EnvironmentPolicy Default => BuiltIn.Value;

    /// <summary>The rule of <paramref name="environment"/>, or of <see cref="OtherEnvironments"/> when the policy does not name it.</summary>
    public EnvironmentRule For(string environment) =>
        Environments.TryGetValue(environment, out var rule) ? rule : Environments[OtherEnvironments];

    /// <summary>Parses a policy document; every problem is reported with its line and JSON path.</summary>
    public static DeploymentPolicyParseResult Parse(string json, string source) => DeploymentPolicyReader.Read(json, source);

    /// <summary>The text of the shipped policy file, compiled into this assembly.</summary>
    public static string BuiltInJson()
    {
        using var stream = typeof(EnvironmentPolicy).Assembly.GetManifestResourceStream("deployment-policy.json")
            ?? throw new InvalidOperationException("the built-in deployment-policy.json resource is missing");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }
}
