namespace ModelRegistry.Contracts.Deployments;

/// <summary>
/// The codes of admission denials (<see cref="DeploymentDenied"/>) and policy violations
/// (<see cref="PolicyViolationDetected"/>).
/// </summary>
public static class DeploymentReasons
{
    /// <summary>No registered version has this digest (or this name and version).</summary>
    public const string Unregistered = "unregistered";

    /// <summary>The version's stage may not serve in this environment (or not at this traffic share).</summary>
    public const string StageNotAllowed = "stage_not_allowed";

    /// <summary>The version is retired: it may serve nowhere.</summary>
    public const string Retired = "retired";

    /// <summary>The version's artifact bytes were deleted (retention): it cannot be served.</summary>
    public const string ArtifactDeleted = "artifact_deleted";

    /// <summary>The version was rolled back in an incident: it may not be deployed again.</summary>
    public const string RolledBack = "rolled_back";

    /// <summary>The name and version do not have the manifest digest given with them.</summary>
    public const string DigestMismatch = "digest_mismatch";

    /// <summary>Violation: a retired version still serves.</summary>
    public const string RetiredServing = "retired_serving";

    /// <summary>Violation: an unregistered artifact serves in an environment that requires registration.</summary>
    public const string UnregisteredServing = "unregistered_serving";

    /// <summary>Violation: a DeployModelVersion was not followed by a ModelDeployed in time.</summary>
    public const string DeployNotAcknowledged = "deploy_not_acknowledged";

    /// <summary>Admission: the request carries no AMQP user_id, so nobody vouches for its sender (docs/security.md).</summary>
    public const string Unauthenticated = RejectionReasons.Unauthenticated;

    /// <summary>Admission: the sender's principal may not serve in this environment under the access policy (docs/security.md).</summary>
    public const string NotPermitted = RejectionReasons.NotPermitted;

    /// <summary>Shadow triage: no endpoint was ever seen serving this digest.</summary>
    public const string UnknownDigest = "unknown_digest";

    /// <summary>Shadow triage: a registered version has this digest; it is no shadow model to dismiss.</summary>
    public const string NotShadow = "not_shadow";
}
