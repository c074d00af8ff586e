namespace ModelRegistry.Deployments.Rules;

/// <summary>
/// What the policy needs to know about an artifact that serves, or would serve, on an endpoint. <see cref="Stage"/> is
/// null when the artifact is not a registered version. <see cref="ArtifactDeleted"/> is always false until retention
/// deletes artifacts (docs/deployments.md, "Admission check").
/// </summary>
public sealed record ServingFacts(
    string Environment,
    double TrafficPercent,
    string? ModelName = null,
    int? Version = null,
    string? Digest = null,
    string? Stage = null,
    bool RolledBack = false,
    bool DigestMismatch = false,
    string? AskedDigest = null,
    bool ArtifactDeleted = false)
{
    public bool Registered => Stage is not null;

    /// <summary>The artifact as a sentence names it: "fraud-scorer v3", or its digest.</summary>
    public string Subject => Registered ? $"{ModelName} v{Version}" : ModelName is not null ? $"{ModelName} v{Version} (not registered)" : Digest ?? "(no digest)";
}
