using MassTransit;

namespace ModelRegistry.Contracts.Deployments;

/// <summary>
/// Command (<c>mreg shadow adopt</c>): take ownership of a shadow model. Links its digest to the registered version
/// with that manifest digest when there is one; otherwise records the owner and the date by which it must be
/// registered. Audited; answered with <see cref="ShadowModelTriaged"/>.
/// </summary>
[EntityName("mreg.adopt-shadow-model")]
public record AdoptShadowModel
{
    /// <summary>Chosen by the requester; the same id again is the same request.</summary>
    public Guid RequestId { get; init; }

    /// <summary>The shadow model's manifest digest.</summary>
    public string ManifestDigest { get; init; } = "";

    /// <summary>The registered model it is (or will be registered as).</summary>
    public string ModelName { get; init; } = "";

    /// <summary>Who owns it from now (team or person; required until it is registered).</summary>
    public string? Owner { get; init; }

    /// <summary>The date by which it must be registered (when no version has its digest yet).</summary>
    public DateTimeOffset? RegisterBy { get; init; }

    /// <summary>Who asked, as the requester names it: information; the registry records the sending principal (docs/security.md).</summary>
    public string RequestedBy { get; init; } = "";
}

/// <summary>Command (<c>mreg shadow dismiss</c>): this digest is known and needs no registration, with the reason. Audited.</summary>
[EntityName("mreg.dismiss-shadow-model")]
public record DismissShadowModel
{
    /// <summary>Chosen by the requester; the same id again is the same request.</summary>
    public Guid RequestId { get; init; }

    /// <summary>The shadow model's manifest digest.</summary>
    public string ManifestDigest { get; init; } = "";

    /// <summary>Why it needs no registration (1-1,000 characters).</summary>
    public string Reason { get; init; } = "";

    /// <summary>Who asked, as the requester names it: information; the registry records the sending principal (docs/security.md).</summary>
    public string RequestedBy { get; init; } = "";
}

/// <summary>Event: a shadow-model triage request was carried out or refused.</summary>
[EntityName("mreg.shadow-model-triaged")]
public record ShadowModelTriaged
{
    /// <summary>The request's id.</summary>
    public Guid RequestId { get; init; }

    /// <summary>The digest.</summary>
    public string ManifestDigest { get; init; } = "";

    /// <summary>adopted, linked (adopted and a registered version has the digest), dismissed, or refused.</summary>
    public string Outcome { get; init; } = "";

    /// <summary>For refused: a code of <see cref="RejectionReasons"/> or <see cref="DeploymentReasons"/>.</summary>
    public string? ReasonCode { get; init; }

    /// <summary>What was done or why not.</summary>
    public string Message { get; init; } = "";

    /// <summary>Who asked: the principal that sent the request (its broker user); null when it named none (refused unauthenticated).</summary>
    public string? TriagedBy { get; init; }

    /// <summary>When.</summary>
    public DateTimeOffset At { get; init; }
}
