using ModelRegistry.Contracts.Promotion;
using ModelRegistry.Platform.Rules;
using ModelRegistry.Platform;
using ModelRegistry.Promotion.Rules;

namespace ModelRegistry.Promotion.Approvals;

/// <summary>
/// Whether an <see cref="ApprovalDecided"/> comes from a configured integration, is signed by it, and names a person who
/// holds the role they sign as. What the promotion then does with the vote (<see cref="ApprovalRules"/>) is a
/// separate question.
/// </summary>
public static class ApprovalAuthentication
{
    /// <summary>Longest ticket id accepted.</summary>
    public const int MaxTicketIdLength = 200;

    /// <summary>Longest role accepted.</summary>
    public const int MaxRoleLength = 100;

    /// <summary>Longest comment accepted.</summary>
    public const int MaxCommentLength = 4000;

    /// <summary>
    /// Why the decision must be refused, or null when it is authentic. Checked in this order, the first that applies is
    /// the refusal: invalid_decision (a field missing or out of form), unknown_integration, bad_signature (missing,
    /// malformed or wrong), approver_unknown, approver_lacks_role. Messages never show a secret or the expected signature.
    /// </summary>
    public static Rejection? Check(ApprovalDecided message, TicketingOptions ticketing, ApproverDirectory approvers)
    {
        ArgumentNullException.ThrowIfNull(message);
        ArgumentNullException.ThrowIfNull(ticketing);
        ArgumentNullException.ThrowIfNull(approvers);

        if (Fields(message) is { } invalid) return new(ApprovalRefusals.InvalidDecision, invalid);

        var secret = ticketing.SecretOf(message.Integration);
        if (secret is null)
            return new(ApprovalRefusals.UnknownIntegration,
                $"integration: {FieldRules.Shown(message.Integration)} is not a configured ticketing integration ({TicketingOptions.Section}:Integrations)");

        if (string.IsNullOrEmpty(message.Signature))
            return new(ApprovalRefusals.BadSignature, "signature: missing; every decision must be signed (docs/ticketing.md)");
        if (!ApprovalSignature.IsWellFormed(message.Signature))
            return new(ApprovalRefusals.BadSignature, $"signature: must be 64 lower-case hex digits (HMAC-SHA256), got {message.Signature.Length} characters");
        if (!ApprovalSignature.Verify(message, secret))
            return new(ApprovalRefusals.BadSignature,
                $"signature: does not match the signed fields under the secret of integration '{message.Integration}' (docs/ticketing.md#signing)");

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
        return Text(m.Integration, "integration", FieldRules.MaxNameLength, required: true);
    }

    private static string? Text(string? value, string field, int maxLength, bool required)
    {
        if (string.IsNullOrWhiteSpace(value)) return required ? $"{field}: required" : null;
        if (value.Length > maxLength) return $"{field}: {value.Length} characters, at most {maxLength}";
        return FieldRules.Storable(value, field)?.Message;
    }
}
