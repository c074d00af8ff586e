using ModelRegistry.Contracts;
using ModelRegistry.Contracts.Deployments;
using ModelRegistry.Platform.Identity;
using ModelRegistry.Platform.Rules;

namespace ModelRegistry.Deployments.Rules;

/// <summary>The registered version a manifest digest belongs to.</summary>
public sealed record RegisteredArtifact(Guid VersionId, string ModelName, int Version);

/// <summary>What a triage request does: its outcome, the version it links to, the text of the answer, or why not.</summary>
public sealed record ShadowTriageDecision(string Outcome, string Message, Guid? VersionId = null, Rejection? Refusal = null)
{
    public bool Refused => Refusal is not null;

    public static ShadowTriageDecision Refuse(Rejection refusal) => new(ShadowTriageRules.Refused, refusal.Message, Refusal: refusal);
}

/// <summary>
/// The pure decisions of shadow-model triage (<c>mreg shadow adopt | dismiss</c>, docs/deployments.md, "Inventory
/// (heartbeats) and shadow models"). Only a digest some endpoint was seen serving can be triaged.
/// </summary>
public static class ShadowTriageRules
{
    public const string Adopted = "adopted";
    public const string Linked = "linked";
    public const string Dismissed = "dismissed";
    public const string Refused = "refused";

    public const int MaxOwnerLength = 200;
    public const int MaxRequesterLength = 200;
    public const int MaxReasonLength = 1000;

    /// <summary>
    /// Adopt: linked to the registered version with the digest when there is one (its model must be the one named);
    /// otherwise adopted, which needs an owner and a register-by date after <paramref name="now"/>.
    /// </summary>
    public static ShadowTriageDecision Adopt(AdoptShadowModel m, bool sighted, RegisteredArtifact? registered, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(m);
        var invalid = Digest(m.ManifestDigest)
            ?? FieldRules.Name(m.ModelName, "modelName")
            ?? FieldRules.RequiredText(m.RequestedBy, "requestedBy", MaxRequesterLength)
            ?? FieldRules.OptionalText(m.Owner, "owner", MaxOwnerLength);
        if (invalid is not null) return ShadowTriageDecision.Refuse(invalid);
        if (!sighted) return ShadowTriageDecision.Refuse(NeverSighted(m.ManifestDigest));
        if (registered is not null)
        {
            if (!string.Equals(registered.ModelName, m.ModelName, StringComparison.Ordinal))
                return ShadowTriageDecision.Refuse(new(DeploymentReasons.DigestMismatch,
                    $"modelName: {m.ManifestDigest} is {registered.ModelName} version {registered.Version}, not a version of {m.ModelName}"));
            return new(Linked, $"{m.ManifestDigest} is {registered.ModelName} version {registered.Version}: linked", registered.VersionId);
        }
        if (string.IsNullOrWhiteSpace(m.Owner))
            return ShadowTriageDecision.Refuse(new(RejectionReasons.MissingField,
                $"owner: required while no registered version has {m.ManifestDigest} (who registers it as {m.ModelName})"));
        if (m.RegisterBy is not { } by)
            return ShadowTriageDecision.Refuse(new(RejectionReasons.MissingField,
                $"registerBy: required while no registered version has {m.ManifestDigest} (the date by which {m.Owner} registers it)"));
        if (FieldRules.Timestamp(by, "registerBy") is { } badDate) return ShadowTriageDecision.Refuse(badDate);
        if (by <= now)
            return ShadowTriageDecision.Refuse(new(RejectionReasons.InvalidValue, $"registerBy: {by:O} is not in the future"));
        return new(Adopted, $"{m.ManifestDigest} adopted as {m.ModelName} by {m.Owner}, to be registered by {by.UtcDateTime:yyyy-MM-dd HH:mm} UTC");
    }

    /// <summary>Dismiss: needs a reason; a digest a registered version has is no shadow model.</summary>
    public static ShadowTriageDecision Dismiss(DismissShadowModel m, bool sighted, RegisteredArtifact? registered)
    {
        ArgumentNullException.ThrowIfNull(m);
        var invalid = Digest(m.ManifestDigest)
            ?? FieldRules.RequiredText(m.Reason, "reason", MaxReasonLength)
            ?? FieldRules.RequiredText(m.RequestedBy, "requestedBy", MaxRequesterLength);
        if (invalid is not null) return ShadowTriageDecision.Refuse(invalid);
        if (!sighted) return ShadowTriageDecision.Refuse(NeverSighted(m.ManifestDigest));
        if (registered is not null)
            return ShadowTriageDecision.Refuse(new(DeploymentReasons.NotShadow,
                $"manifestDigest: {m.ManifestDigest} is {registered.ModelName} version {registered.Version}, registered; there is no shadow model to dismiss"));
        return new(Dismissed, $"{m.ManifestDigest} dismissed: {m.Reason}");
    }

    /// <summary>Who asked: none is refused unauthenticated, a principal without the triage role not_permitted.</summary>
    public static Rejection? Requester(string? principal, AccessPolicy access)
    {
        ArgumentNullException.ThrowIfNull(access);
        return AccessRules.Unauthenticated(principal)
            ?? (access.Holds(principal!, AccessRoles.Triage) ? null : AccessRules.NotPermitted(principal!, $"triage shadow models (role '{AccessRoles.Triage}')"));
    }

    private static Rejection NeverSighted(string digest) =>
        new(DeploymentReasons.UnknownDigest, $"manifestDigest: no endpoint was ever seen serving {digest} (see `mreg shadow list --all`)");

    private static Rejection? Digest(string? digest)
    {
        if (string.IsNullOrWhiteSpace(digest)) return FieldRules.Missing("manifestDigest");
        return digest.StartsWith("sha256:", StringComparison.Ordinal) && FieldRules.IsSha256Hex(digest[7..])
            ? null
            : new(RejectionReasons.InvalidValue, $"manifestDigest: {FieldRules.Shown(digest)} must be 'sha256:' and 64 lowercase hex digits");
    }
}
