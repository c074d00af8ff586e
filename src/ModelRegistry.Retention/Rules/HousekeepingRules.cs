using ModelRegistry.Platform.Identity;
using ModelRegistry.Platform.Rules;

namespace ModelRegistry.Retention.Rules;

/// <summary>Who may have the registry prune its own tables: its own principal (the schedule) or a person with the retention role.</summary>
public static class HousekeepingRules
{
    /// <summary>The refusal of <paramref name="principal"/> running a sweep's housekeeping, or null when it may.</summary>
    public static Rejection? Requester(string? principal, AccessPolicy access)
    {
        ArgumentNullException.ThrowIfNull(access);
        if (AccessRules.Unauthenticated(principal) is { } anonymous) return anonymous;
        return access.IsRegistry(principal) || access.Holds(principal!, AccessRoles.Retention)
            ? null
            : AccessRules.NotPermitted(principal!, $"run a retention sweep (role '{AccessRoles.Retention}')");
    }
}
