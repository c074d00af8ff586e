namespace ModelRegistry.Deployments.Rules;

/// <summary>Either a valid environment policy or every problem found, in document order.</summary>
public sealed record DeploymentPolicyParseResult(EnvironmentPolicy? Policy, IReadOnlyList<DeploymentPolicyError> Errors)
{
    public bool IsValid => Policy is not null;
}
