using ModelRegistry.Contracts;
using ModelRegistry.Platform.Rules;

namespace ModelRegistry.Platform.Identity;

/// <summary>The refusals every worker gives for who sent a message, worded alike (docs/security.md).</summary>
public static class AccessRules
{
    /// <summary>The refusal of a message without a principal, or null when it has one.</summary>
    public static Rejection? Unauthenticated(string? principal) => principal is null
        ? new(RejectionReasons.Unauthenticated,
            "the message carries no AMQP user_id: the registry takes who sent a message from the broker's validated user-id, never from the body (docs/security.md)")
        : null;

    /// <summary>The refusal of <paramref name="principal"/> doing <paramref name="what"/> (e.g. "register models for team 'fraud'").</summary>
    public static Rejection NotPermitted(string principal, string what) =>
        new(RejectionReasons.NotPermitted, $"{principal} may not {what} under the access policy (docs/security.md)");
}
