using MassTransit;

namespace ModelRegistry.Contracts.Deployments;

/// <summary>
/// Request from a serving platform before it deploys: may this artifact serve on this endpoint? Answered with
/// <see cref="DeploymentAdmitted"/> or <see cref="DeploymentDenied"/> (MassTransit request/response; from any AMQP
/// client: publish with reply_to and correlation_id, docs/deployments.md, "Admission check").
/// </summary>
[EntityName("mreg.check-deployment-admission")]
public record CheckDeploymentAdmission
{
    /// <summary>The endpoint that would serve it.</summary>
    public string EndpointId { get; init; } = "";

    /// <summary>The endpoint's environment.</summary>
    public string Environment { get; init; } = "";

    /// <summary>The model's name (with <see cref="Version"/>); optional when <see cref="ManifestDigest"/> is given.</summary>
    public string? ModelName { get; init; }

    /// <summary>The version number.</summary>
    public int? Version { get; init; }

    /// <summary>The manifest digest of the artifact to deploy.</summary>
    public string? ManifestDigest { get; init; }

    /// <summary>The traffic share it would take: more than 0, at most 100.</summary>
    public double TrafficPercent { get; init; }
}

/// <summary>Response: the deployment may go ahead.</summary>
[EntityName("mreg.deployment-admitted")]
public record DeploymentAdmitted
{
    /// <summary>The endpoint asked about.</summary>
    public string EndpointId { get; init; } = "";

    /// <summary>The environment asked about.</summary>
    public string Environment { get; init; } = "";

    /// <summary>
    /// The registered model; null only when the artifact is not registered and the environment's policy does not
    /// require registration (e.g. dev).
    /// </summary>
    public string? ModelName { get; init; }

    /// <summary>The registered version (null when not registered, as <see cref="ModelName"/>).</summary>
    public int? Version { get; init; }

    /// <summary>The registry's id of the version (null when not registered).</summary>
    public Guid? ModelVersionId { get; init; }

    /// <summary>The version's manifest digest (or the digest asked about, when not registered): the artifact to load and verify.</summary>
    public string ManifestDigest { get; init; } = "";

    /// <summary>The version's stage now (registered, staging, shadow, canary or production); null when not registered.</summary>
    public string? Stage { get; init; }

    /// <summary>When the registry decided.</summary>
    public DateTimeOffset CheckedAt { get; init; }
}

/// <summary>Response: the deployment must not go ahead, with every reason that applies.</summary>
[EntityName("mreg.deployment-denied")]
public record DeploymentDenied
{
    /// <summary>The endpoint asked about.</summary>
    public string EndpointId { get; init; } = "";

    /// <summary>The environment asked about.</summary>
    public string Environment { get; init; } = "";

    /// <summary>The model, when the registry knows it.</summary>
    public string? ModelName { get; init; }

    /// <summary>The version, when the registry knows it.</summary>
    public int? Version { get; init; }

    /// <summary>The digest asked about (or the version's).</summary>
    public string? ManifestDigest { get; init; }

    /// <summary>Why not: one or more, each a code of <see cref="DeploymentReasons"/> and a sentence.</summary>
    public List<DenialReason> Reasons { get; init; } = [];

    /// <summary>When the registry decided.</summary>
    public DateTimeOffset CheckedAt { get; init; }
}

/// <summary>One reason a deployment is denied.</summary>
public record DenialReason
{
    /// <summary>A code of <see cref="DeploymentReasons"/>.</summary>
    public string Code { get; init; } = "";

    /// <summary>What is wrong, in a sentence.</summary>
    public string Message { get; init; } = "";
}
