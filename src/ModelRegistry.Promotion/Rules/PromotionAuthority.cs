using ModelRegistry.Platform.Identity;
using ModelRegistry.Platform.Rules;

namespace ModelRegistry.Promotion.Rules;

/// <summary>
/// Who may do what to promotions and production (docs/promotion.md, "Who may"): the principal is the broker's validated
/// user_id of the message (docs/security.md), never a field of its body. Each returns the refusal, or null when allowed.
/// </summary>
public static class PromotionAuthority
{
    /// <summary>RequestPromotion: a principal with the requester role.</summary>
    public static Rejection? MayRequest(AccessPolicy access, string? principal) =>
        Role(access, principal, AccessRoles.Requester, "request promotions");

    /// <summary>CancelPromotion: the promotion's own requester, or a principal with the canceller role.</summary>
    public static Rejection? MayCancel(AccessPolicy access, string? principal, string requester) =>
        OwnOr(access, principal, requester, AccessRoles.Canceller, "cancel another requester's promotion");

    /// <summary>ResendApprovalRequest: the promotion's own requester, or a principal with the requester role.</summary>
    public static Rejection? MayResend(AccessPolicy access, string? principal, string requester) =>
        OwnOr(access, principal, requester, AccessRoles.Requester, "resend the approval request of another requester's promotion");

    /// <summary>RequestRollback: a principal with the on-call role.</summary>
    public static Rejection? MayRollBack(AccessPolicy access, string? principal) =>
        Role(access, principal, AccessRoles.OnCall, "roll production back (the on-call role)");

    /// <summary>ApprovalDecided: a ticketing principal the policy lets speak for the decision's integration.</summary>
    public static Rejection? MayDecide(AccessPolicy access, string? principal, string integration)
    {
        ArgumentNullException.ThrowIfNull(access);
        if (AccessRules.Unauthenticated(principal) is { } anonymous) return anonymous;
        return access.MaySpeakFor(principal!, integration ?? "")
            ? null
            : AccessRules.NotPermitted(principal!, $"send decisions for the integration '{Bounded.Clip(integration ?? "", 200)}'");
    }

    /// <summary>Messages only the registry sends (deadlines, evaluation notices): the registry's own principals.</summary>
    public static Rejection? IsRegistry(AccessPolicy access, string? principal, string what)
    {
        ArgumentNullException.ThrowIfNull(access);
        if (AccessRules.Unauthenticated(principal) is { } anonymous) return anonymous;
        return access.IsRegistry(principal) ? null : AccessRules.NotPermitted(principal!, $"send {what} (only the registry does)");
    }

    private static Rejection? Role(AccessPolicy access, string? principal, string role, string what)
    {
        ArgumentNullException.ThrowIfNull(access);
        if (AccessRules.Unauthenticated(principal) is { } anonymous) return anonymous;
        return access.Holds(principal!, role) ? null : AccessRules.NotPermitted(principal!, what);
    }

    private static Rejection? OwnOr(AccessPolicy access, string? principal, string requester, string role, string what)
    {
        ArgumentNullException.ThrowIfNull(access);
        if (AccessRules.Unauthenticated(principal) is { } anonymous) return anonymous;
        return string.Equals(principal, requester, StringComparison.Ordinal) || access.Holds(principal!, role)
            ? null
            : AccessRules.NotPermitted(principal!, what);
    }
}
