namespace ModelRegistry.Deployments.Rules;

/// <summary>
/// The environment policy (docs/deployments.md, "Environment policy and violations"): per environment, which stages may
/// serve there and at what traffic share, and whether only registered versions may serve. An environment the policy
/// does not name follows <see cref="OtherEnvironments"/>. Retired versions never serve anywhere.
/// </summary>
public sealed record EnvironmentPolicy(IReadOnlyDictionary<string, EnvironmentRule> Environments, string OtherEnvironments)
{
    /// <summary>The rule of <paramref name="environment"/>, or of <see cref="OtherEnvironments"/> when the policy does not name it.</summary>
    public EnvironmentRule For(string environment) =>
        Environments.TryGetValue(environment, out var rule) ? rule : Environments[OtherEnvironments];

    /// <summary>Parses a policy document; every problem is reported with its line and JSON path.</summary>
    public static DeploymentPolicyParseResult Parse(string json, string source) => DeploymentPolicyReader.Read(json, source);
}
