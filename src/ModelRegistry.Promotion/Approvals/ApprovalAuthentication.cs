using ModelRegistry.Contracts.Promotion;
using ModelRegistry.Platform.Rules;
using ModelRegistry.Platform;
using ModelRegistry.Promotion.Rules;

namespace ModelRegistry.Promotion.Approvals;

/// <summary>
/// Whether an <see cref="ApprovalDecided"/> comes from a configured integration, is signed by it in a form it may use,
/// and names a person the integration may speak for and who holds the role they sign as. Whether it names the promotion's
/// own facts, in time (<see cref="ApprovalBinding"/>), and what the promotion then does with the vote
/// (<see cref="ApprovalRules"/>) are separate questions.
/// </summary>
public static class ApprovalAuthentication
{
    /// <summary>Longest ticket id accepted.</summary>
    public const int MaxTicketIdLength = 200;

    /// <summary>Longest role accepted.</summary>
    public const int MaxRoleLength = 100;

    /// <summary>Longest comment accepted.</summary>
    public const int MaxCommentLength = 4000;

    /// <summary>Longest model name accepted.</summary>
    public const int MaxModelNameLength = 200;

    /// <summary>Longest manifest digest accepted.</summary>
    public const int MaxDigestLength = 200;

    /// <summary>
    /// Why the decision must be refused, or null when it is authentic. Checked in this order, the first that applies is
    /// the refusal: invalid_decision (a field missing or out of form), unknown_integration, legacy_signature (a v1 decision
    /// its integration does not accept), bad_signature (missing, malformed or wrong), approver_not_allowed and
    /// role_not_allowed (the integration's allow-lists), approver_unknown, approver_lacks_role. Messages never show a
    /// secret or the expected signature.
    /// </summary>
    public static Rejection? Check(ApprovalDecided message, TicketingOptions ticketing, ApproverDirectory approvers)
    {
        ArgumentNullException.ThrowIfNull(message);
        ArgumentNullException.ThrowIfNull(ticketing);
        ArgumentNullException.ThrowIfNull(approvers);

        if (Fields(message) is { } invalid) return new(ApprovalRefusals.InvalidDecision, invalid);

        var secret = ticketing.SecretOf(message.Integration);
        var integration = ticketing.Of(message.Integration);
        if (secret is null || integration is null)
            return new(ApprovalRefusals.UnknownIntegration,
                $"integration: {FieldRules.Shown(message.Integration)} is not a configured ticketing integration ({TicketingOptions.Section}:Integrations)");

        if (ApprovalSignature.IsV1(message) && !integration.AcceptV1Decisions)
            return new(ApprovalRefusals.LegacySignature,
                $"nonce: missing, so the decision is in the old form {ApprovalSignature.V1FormatTag}, which names neither the model version nor the " +
                $"stage it approves; sign {ApprovalSignature.FormatTag} with the request's nonce (docs/ticketing.md#signing)");

        if (string.IsNullOrEmpty(message.Signature))
            return new(ApprovalRefusals.BadSignature, "signature: missing; every decision must be signed (docs/ticketing.md)");
        if (!ApprovalSignature.IsWellFormed(message.Signature))
            return new(ApprovalRefusals.BadSignature, $"signature: must be 64 lower-case hex digits (HMAC-SHA256), got {message.Signature.Length} characters");
        if (!ApprovalSignature.Verify(message, secret))
            return new(ApprovalRefusals.BadSignature,
                $"signature: does not match the signed fields ({(ApprovalSignature.IsV1(message) ? ApprovalSignature.V1FormatTag : ApprovalSignature.FormatTag)}) " +
                $"under the secret of integration '{message.Integration}' (docs/ticketing.md#signing)");

        if (!integration.MaySpeakFor(message.Approver))
            return new(ApprovalRefusals.ApproverNotAllowed,
                $"approver: integration '{message.Integration}' may not speak for {FieldRules.Shown(message.Approver)} " +
                $"({TicketingOptions.Section}:Integrations:{message.Integration}:Approvers)");
        if (!integration.MaySignAs(message.Role))
            return new(ApprovalRefusals.RoleNotAllowed,
                $"role: integration '{message.Integration}' may not sign for role {FieldRules.Shown(message.Role)} " +
                $"({TicketingOptions.Section}:Integrations:{message.Integration}:Roles)");

        if (!approvers.Knows(message.Approver))
            return new(ApprovalRefusals.ApproverUnknown,
                $"approver: {FieldRules.Shown(message.Approver)} is not in the approver directory ({ApproversOptions.Section})");
        if (!approvers.Holds(message.Approver, message.Role))
        {
            var held = approvers.RolesOf(message.Approver).Order(StringComparer.Ordinal).ToList();
            return new(ApprovalRefusals.ApproverLacksRole,
                $"role: {FieldRules.Shown(message.Approver)} does not hold role {FieldRules.Shown(message.Role)}; holds: {(held.Count == 0 ? "none" : string.Join(", ", held))}");
        }
        return null;
    }

    /// <summary>
    /// Whether the decision is what its integration signed: its signature verifies, in the form it is in, under the secret
    /// of the integration it names. Only such a decision is remembered when refused (<see cref="ApprovalRefusals.ReplayedDecision"/>):
    /// a forged one could not count anyway, and remembering it would let anyone fill the table.
    /// </summary>
    public static bool IsAuthentic(ApprovalDecided message, TicketingOptions ticketing)
    {
        ArgumentNullException.ThrowIfNull(message);
        ArgumentNullException.ThrowIfNull(ticketing);
        return !string.IsNullOrEmpty(message.Integration) && ticketing.SecretOf(message.Integration) is { } secret
            && ApprovalSignature.Verify(message, secret);
    }

    // The first missing or malformed field, for people; null when all are in form.
    private static string? Fields(ApprovalDecided m)
    {
        if (m.PromotionId == Guid.Empty) return "promotionId: required (not the nil UUID)";
        if (string.IsNullOrWhiteSpace(m.Integration)) return "integration: required";
        if (Text(m.TicketId, "ticketId", MaxTicketIdLength, required: true) is { } ticket) return ticket;
        if (Text(m.Approver, "approver", ApproversOptions.MaxPersonLength, required: true) is { } approver) return approver;
        if (Text(m.Role, "role", MaxRoleLength, required: true) is { } role) return role;
        if (m.Decision is not (ApprovalSignature.Approved or ApprovalSignature.Rejected))
            return string.IsNullOrEmpty(m.Decision)
                ? "decision: required (approved or rejected)"
                : $"decision: {FieldRules.Shown(m.Decision)} is not one of approved, rejected";
        if (Text(m.Comment, "comment", MaxCommentLength, required: false) is { } comment) return comment;
        if (FieldRules.Timestamp(m.DecidedAt, "decidedAt") is { } decidedAt) return decidedAt.Message;
        if (!ApprovalSignature.IsV1(m) && BoundFields(m) is { } bound) return bound;
        return Text(m.Integration, "integration", FieldRules.MaxNameLength, required: true);
    }

    // What a v2 decision names: all required, so a decision cannot leave out what it approves.
    private static string? BoundFields(ApprovalDecided m)
    {
        if (!ApprovalSignature.IsWellFormed(m.Nonce)) return $"nonce: must be 64 lower-case hex digits, as in the request, got {m.Nonce.Length} characters";
        if (Text(m.ModelName, "modelName", MaxModelNameLength, required: true) is { } model) return model;
        if (m.Version < 1) return $"version: required, a positive number (got {m.Version})";
        if (Text(m.TargetStage, "targetStage", FieldRules.MaxNameLength, required: true) is { } stage) return stage;
        return Text(m.ManifestDigest, "manifestDigest", MaxDigestLength, required: true);
    }

    private static string? Text(string? value, string field, int maxLength, bool required)
    {
        if (string.IsNullOrWhiteSpace(value)) return required ? $"{field}: required" : null;
        if (value.Length > maxLength) return $"{field}: {value.Length} characters, at most {maxLength}";
        return FieldRules.Storable(value, field)?.Message;
    }
}
