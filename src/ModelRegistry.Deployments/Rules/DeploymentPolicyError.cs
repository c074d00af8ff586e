namespace ModelRegistry.Deployments.Rules;

/// <summary>One problem in an environment policy file. <paramref name="Line"/> and <paramref name="Column"/> count from 1 (column in bytes).</summary>
public sealed record DeploymentPolicyError(string Source, int Line, int Column, string Path, string Message)
{
    public override string ToString() =>
        Path.Length == 0 ? $"{Source} line {Line}: {Message}" : $"{Source} line {Line}: {Path}: {Message}";
}
