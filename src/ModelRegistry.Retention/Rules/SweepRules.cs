using ModelRegistry.Platform.Identity;
using ModelRegistry.Platform.Rules;

namespace ModelRegistry.Retention.Rules;

/// <summary>Who may run a retention sweep (its plan and actions, and its housekeeping): the registry's own principal (the schedule) or a person with the retention role.</summary>
public static class SweepRules
{
    /// <summary>The refusal of <paramref name="principal"/> running a sweep, or null when it may.</summary>
    public static Rejection? Requester(string? principal, AccessPolicy access)
    {
        ArgumentNullException.ThrowIfNull(access);
        if (AccessRules.Unauthenticated(principal) is { } anonymous) return anonymous;
        return access.IsRegistry(principal) || access.Holds(principal!, AccessRoles.Retention)
            ? null
            : AccessRules.NotPermitted(principal!, $"run a retention sweep (role '{AccessRoles.Retention}')");
    }
}
