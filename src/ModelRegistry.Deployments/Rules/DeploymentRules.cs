using ModelRegistry.Contracts;
using ModelRegistry.Contracts.Deployments;
using ModelRegistry.Platform.Identity;
using ModelRegistry.Platform.Rules;

namespace ModelRegistry.Deployments.Rules;

/// <summary>The pure checks of what serving platforms send, against the limits documented on the contracts.</summary>
public static class DeploymentRules
{
    public const int MaxIdLength = 200;
    public const int MaxActorLength = 200;
    public const int MaxReasonLength = 1000;
    public const int MaxServedModels = 100;

    public static Rejection? Validate(ModelDeployed e)
    {
        ArgumentNullException.ThrowIfNull(e);
        return Where(e.DeploymentId, e.EndpointId, e.Environment)
            ?? Artifact(e.ModelName, e.Version, e.ManifestDigest)
            ?? Traffic(e.TrafficPercent, "trafficPercent", allowZero: false)
            ?? FieldRules.Timestamp(e.DeployedAt, "deployedAt")
            ?? FieldRules.OptionalText(e.DeployedBy, "deployedBy", MaxActorLength);
    }

    public static Rejection? Validate(ModelUndeployed e)
    {
        ArgumentNullException.ThrowIfNull(e);
        return Where(e.DeploymentId, e.EndpointId, e.Environment)
            ?? FieldRules.Timestamp(e.UndeployedAt, "undeployedAt")
            ?? FieldRules.OptionalText(e.UndeployedBy, "undeployedBy", MaxActorLength)
            ?? FieldRules.OptionalText(e.Reason, "reason", MaxReasonLength);
    }

    public static Rejection? Validate(DeploymentFailed e)
    {
        ArgumentNullException.ThrowIfNull(e);
        return Where(e.DeploymentId, e.EndpointId, e.Environment)
            ?? (e.ModelName is null && e.Version is null && e.ManifestDigest is null ? null : Artifact(e.ModelName, e.Version, e.ManifestDigest))
            ?? FieldRules.Timestamp(e.FailedAt, "failedAt")
            ?? FieldRules.RequiredText(e.Reason, "reason", MaxReasonLength);
    }

    public static Rejection? Validate(EndpointInventoryReported e)
    {
        ArgumentNullException.ThrowIfNull(e);
        var problem = FieldRules.Name(e.EndpointId, "endpointId", MaxIdLength)
            ?? FieldRules.Name(e.Environment, "environment")
            ?? FieldRules.Timestamp(e.ReportedAt, "reportedAt")
            ?? (e.Platform is null ? null : FieldRules.Name(e.Platform, "platform"));
        if (problem is not null) return problem;
        if (e.Models is null) return FieldRules.Missing("models");
        if (e.Models.Count > MaxServedModels)
            return new(RejectionReasons.LimitExceeded, $"models: {e.Models.Count} entries, at most {MaxServedModels}");
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < e.Models.Count; i++)
        {
            var m = e.Models[i];
            var field = $"models[{i}]";
            if (m is null) return FieldRules.Missing(field);
            problem = Digest(m.ManifestDigest, $"{field}.manifestDigest", required: true)
                ?? Traffic(m.TrafficPercent, $"{field}.trafficPercent", allowZero: true)
                ?? FieldRules.OptionalText(m.ModelName, $"{field}.modelName", FieldRules.MaxNameLength);
            if (problem is not null) return problem;
            if (!seen.Add(m.ManifestDigest))
                return new(RejectionReasons.InvalidValue, $"{field}.manifestDigest: {m.ManifestDigest} is listed twice; report each artifact once with its whole share");
        }
        return null;
    }

    public static Rejection? Validate(CheckDeploymentAdmission e)
    {
        ArgumentNullException.ThrowIfNull(e);
        return FieldRules.Name(e.EndpointId, "endpointId", MaxIdLength)
            ?? FieldRules.Name(e.Environment, "environment")
            ?? Artifact(e.ModelName, e.Version, e.ManifestDigest)
            ?? Traffic(e.TrafficPercent, "trafficPercent", allowZero: false);
    }

    /// <summary>
    /// Who sent a serving platform's message (docs/deployments.md, "Serving principals"): none is refused
    /// unauthenticated, one the access policy does not let serve <paramref name="environment"/> not_permitted.
    /// </summary>
    public static Rejection? Sender(string? principal, string environment, AccessPolicy access)
    {
        ArgumentNullException.ThrowIfNull(access);
        return AccessRules.Unauthenticated(principal)
            ?? (access.MayServe(principal!, environment) ? null : AccessRules.NotPermitted(principal!, $"report deployments in environment '{environment}'"));
    }

    /// <summary>
    /// An endpoint the registry knows belongs to its recorded environment: a report that places it in another one moves
    /// it there (its history takes the latest event's environment), so the sender must serve the recorded environment too.
    /// </summary>
    public static Rejection? RecordedEnvironment(string principal, string endpointId, string? recorded, string claimed, AccessPolicy access)
    {
        ArgumentNullException.ThrowIfNull(access);
        return recorded is null || string.Equals(recorded, claimed, StringComparison.Ordinal) || access.MayServe(principal, recorded)
            ? null
            : AccessRules.NotPermitted(principal, $"report endpoint '{endpointId}' of environment '{recorded}' (the message says '{claimed}')");
    }

    private static Rejection? Where(string deploymentId, string endpointId, string environment) =>
        FieldRules.RequiredText(deploymentId, "deploymentId", MaxIdLength)
        ?? FieldRules.Name(endpointId, "endpointId", MaxIdLength)
        ?? FieldRules.Name(environment, "environment");

    /// <summary>Name and version, a manifest digest, or both.</summary>
    private static Rejection? Artifact(string? name, int? version, string? digest)
    {
        if (name is null && version is null && digest is null)
            return new(RejectionReasons.MissingField, "modelName, version, manifestDigest: name the artifact by modelName and version, by manifestDigest, or both");
        if (name is not null || version is not null)
        {
            if (FieldRules.Name(name, "modelName") is { } bad) return bad;
            if (version is null) return FieldRules.Missing("version");
            if (version < 1) return new(RejectionReasons.InvalidValue, $"version: {version} must be at least 1");
        }
        return Digest(digest, "manifestDigest", required: false);
    }

    private static Rejection? Digest(string? digest, string field, bool required)
    {
        if (digest is null) return required ? FieldRules.Missing(field) : null;
        return digest.StartsWith("sha256:", StringComparison.Ordinal) && FieldRules.IsSha256Hex(digest[7..])
            ? null
            : new(RejectionReasons.InvalidValue, $"{field}: {FieldRules.Shown(digest)} must be 'sha256:' and 64 lowercase hex digits");
    }

    private static Rejection? Traffic(double value, string field, bool allowZero) =>
        double.IsFinite(value) && (allowZero ? value >= 0 : value > 0) && value <= 100
            ? null
            : new(RejectionReasons.InvalidValue, $"{field}: {value} must be {(allowZero ? "at least 0" : "more than 0")} and at most 100");
}
