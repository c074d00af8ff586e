using ModelRegistry.Contracts.Deployments;
using ModelRegistry.Platform.Rules;

namespace ModelRegistry.Deployments.Rules;

/// <summary>
/// The admission check's pure decision (docs/deployments.md, "Admission check"): an invalid request is denied with the
/// validation's reason; otherwise the request's artifact is checked against the environment policy and denied with
/// every reason that applies, or admitted.
/// </summary>
public static class AdmissionDecision
{
    /// <summary><see cref="DeploymentAdmitted"/> or <see cref="DeploymentDenied"/>.</summary>
    public static object Decide(CheckDeploymentAdmission request, AdmissionVersion? version, EnvironmentPolicy policy, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(policy);
        if (DeploymentRules.Validate(request) is { } invalid)
            return Denied(request, version, [new DenialReason { Code = invalid.ReasonCode, Message = invalid.Message }], now);
        var reasons = DeploymentPolicyRules.Check(FactsOf(request, version), policy);
        if (reasons.Count > 0) return Denied(request, version, reasons, now);
        return new DeploymentAdmitted
        {
            EndpointId = request.EndpointId,
            Environment = request.Environment,
            ModelName = version?.ModelName,
            Version = version?.Version,
            ModelVersionId = version?.VersionId,
            ManifestDigest = version?.Digest ?? request.ManifestDigest!,
            Stage = version?.Stage,
            CheckedAt = now,
        };
    }

    /// <summary>The denial of a request whose sender may not ask (unauthenticated, not_permitted): nothing about the artifact is looked up.</summary>
    public static DeploymentDenied Refused(CheckDeploymentAdmission request, Rejection refusal, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(refusal);
        return Denied(request, null, [new DenialReason { Code = refusal.ReasonCode, Message = refusal.Message }], now);
    }

    /// <summary>What the policy reads: the version found (by name and version, else by digest), or the unregistered artifact asked about.</summary>
    public static ServingFacts FactsOf(CheckDeploymentAdmission request, AdmissionVersion? version)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (version is null)
            return new ServingFacts(request.Environment, request.TrafficPercent, request.ModelName, request.Version, request.ManifestDigest);
        var mismatch = request.ManifestDigest is not null && request.ManifestDigest != version.Digest;
        return new ServingFacts(request.Environment, request.TrafficPercent, version.ModelName, version.Version, version.Digest, version.Stage,
            version.RolledBack, mismatch, request.ManifestDigest);
    }

    private static DeploymentDenied Denied(CheckDeploymentAdmission request, AdmissionVersion? version, IReadOnlyList<DenialReason> reasons,
        DateTimeOffset now) => new()
    {
        EndpointId = request.EndpointId,
        Environment = request.Environment,
        ModelName = version?.ModelName ?? request.ModelName,
        Version = version?.Version ?? request.Version,
        ManifestDigest = request.ManifestDigest ?? version?.Digest,
        Reasons = [.. reasons],
        CheckedAt = now,
    };
}
