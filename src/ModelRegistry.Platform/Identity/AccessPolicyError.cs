namespace ModelRegistry.Platform.Identity;

/// <summary>One problem in an access policy file. <paramref name="Line"/> and <paramref name="Column"/> count from 1 (column in bytes).</summary>
public sealed record AccessPolicyError(string Source, int Line, int Column, string Path, string Message)
{
    public override string ToString() =>
        Path.Length == 0 ? $"{Source} line {Line}: {Message}" : $"{Source} line {Line}: {Path}: {Message}";
}

/// <summary>Either a valid access policy or every problem found, in document order.</summary>
public sealed record AccessPolicyParseResult(AccessPolicy? Policy, IReadOnlyList<AccessPolicyError> Errors)
{
    public bool IsValid => Policy is not null;
}
