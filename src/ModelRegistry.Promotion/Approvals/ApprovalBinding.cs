using ModelRegistry.Contracts.Promotion;
using ModelRegistry.Platform;
using ModelRegistry.Platform.Rules;

namespace ModelRegistry.Promotion.Approvals;

/// <summary>What a decision must name and when it must come, taken from the promotion itself, never from the decision.</summary>
/// <param name="ModelName">The promotion's model.</param>
/// <param name="Version">The promotion's version.</param>
/// <param name="TargetStage">The promotion's target stage, as its ApprovalRequested said it.</param>
/// <param name="ManifestDigest">The manifest digest of that version in the registry; null when the version cannot be read.</param>
/// <param name="Nonce">The nonce the registry issued in the promotion's ApprovalRequested; null when it issued none.</param>
/// <param name="RequestedAt">When approval was requested (the earliest a person can have decided).</param>
/// <param name="Deadline">The approval deadline.</param>
public sealed record ApprovalTerms(string ModelName, int Version, string TargetStage, string? ManifestDigest, string? Nonce,
    DateTimeOffset RequestedAt, DateTimeOffset? Deadline);

/// <summary>
/// Whether an authentic decision is bound to this promotion and in time: a v2 decision's signed model, version, stage,
/// manifest digest and nonce must be the promotion's own (its signature then verifies over the promotion's facts, not
/// only over what the decision claims); it must be processed no later than the approval deadline, and say it was decided
/// between the approval request (less the clock skew) and now (plus the clock skew). Pure: the caller reads the terms.
/// </summary>
public static class ApprovalBinding
{
    /// <summary>
    /// The refusal, or null. In this order: model_mismatch, version_mismatch, stage_mismatch, digest_mismatch,
    /// nonce_mismatch (v2 decisions only: a v1 decision names none of them), approval_expired, decided_at_out_of_range.
    /// Messages name the field and what the promotion expects, except the nonce, which they never show.
    /// </summary>
    public static Rejection? Check(ApprovalDecided decision, ApprovalTerms terms, DateTimeOffset now, TimeSpan skew)
    {
        ArgumentNullException.ThrowIfNull(decision);
        ArgumentNullException.ThrowIfNull(terms);
        if (!ApprovalSignature.IsV1(decision) && Bound(decision, terms) is { } mismatch) return mismatch;
        if (terms.Deadline is { } deadline && now > deadline)
            return new(ApprovalRefusals.ApprovalExpired,
                $"the approval deadline {CanonicalForm.Timestamp(deadline)} has passed (processed at {CanonicalForm.Timestamp(now)}); decisions no longer count");
        var earliest = terms.RequestedAt - skew;
        var latest = now + skew;
        if (decision.DecidedAt < earliest || decision.DecidedAt > latest)
            return new(ApprovalRefusals.DecidedAtOutOfRange,
                $"decidedAt: {CanonicalForm.Timestamp(decision.DecidedAt)} is outside [{CanonicalForm.Timestamp(earliest)}, {CanonicalForm.Timestamp(latest)}] " +
                $"(approval requested at {CanonicalForm.Timestamp(terms.RequestedAt)}, now, clock skew {skew})");
        return null;
    }

    private static Rejection? Bound(ApprovalDecided d, ApprovalTerms t)
    {
        if (!string.Equals(d.ModelName, t.ModelName, StringComparison.Ordinal))
            return new(ApprovalRefusals.ModelMismatch, $"modelName: {FieldRules.Shown(Bounded.Clip(d.ModelName, 200))} is not the promotion's model '{t.ModelName}'");
        if (d.Version != t.Version)
            return new(ApprovalRefusals.VersionMismatch, $"version: {d.Version} is not the promotion's version {t.Version}");
        if (!string.Equals(d.TargetStage, t.TargetStage, StringComparison.Ordinal))
            return new(ApprovalRefusals.StageMismatch, $"targetStage: {FieldRules.Shown(Bounded.Clip(d.TargetStage, 100))} is not the promotion's target stage '{t.TargetStage}'");
        if (t.ManifestDigest is null || !string.Equals(d.ManifestDigest, t.ManifestDigest, StringComparison.Ordinal))
            return new(ApprovalRefusals.DigestMismatch, t.ManifestDigest is null
                ? $"manifestDigest: the promotion's version {t.ModelName}/{t.Version} cannot be read, so no digest can match"
                : $"manifestDigest: {FieldRules.Shown(Bounded.Clip(d.ManifestDigest, 200))} is not the manifest digest of {t.ModelName}/{t.Version} ({t.ManifestDigest})");
        if (t.Nonce is null || !string.Equals(d.Nonce, t.Nonce, StringComparison.Ordinal))
            return new(ApprovalRefusals.NonceMismatch, t.Nonce is null
                ? "nonce: the registry has not issued a nonce for this promotion (approval not requested yet)"
                : "nonce: is not the nonce of this promotion's approval request (a decision answers the request it was made for)");
        return null;
    }
}
