using ModelRegistry.Contracts;
using ModelRegistry.Contracts.Retention;
using ModelRegistry.Platform.Identity;
using ModelRegistry.Platform.Rules;

namespace ModelRegistry.Retention.Rules;

/// <summary>A hold as the release decision sees it.</summary>
public sealed record HoldState(Guid HoldId, Guid ModelId, string ModelName, int? Version, bool Released, string? ReleasedBy, DateTimeOffset? ReleasedAt);

/// <summary>
/// The pure decisions of legal holds (<c>mreg hold place | release</c>, docs/retention.md "Legal holds"): who may, and
/// what a request must carry. A refusal is a <see cref="Rejection"/> with one of <see cref="LegalHoldChanged"/>'s reason codes.
/// </summary>
public static class LegalHoldRules
{
    public const string Placed = "placed";
    public const string Released = "released";
    public const string Refused = "refused";

    /// <summary>The hold (or its version) does not exist.</summary>
    public const string UnknownVersion = "unknown_version";

    /// <summary>No hold has this id.</summary>
    public const string UnknownHold = "unknown_hold";

    /// <summary>The hold was released before.</summary>
    public const string AlreadyReleased = "already_released";

    public const int MaxReasonLength = 1000;
    public const int MaxRequesterLength = 200;

    /// <summary>Every reason code a <see cref="LegalHoldChanged"/> refusal can carry.</summary>
    public static IReadOnlyList<string> ReasonCodes { get; } =
    [
        RejectionReasons.Unauthenticated, RejectionReasons.NotPermitted, RejectionReasons.UnknownModel, UnknownVersion, UnknownHold, AlreadyReleased,
        RejectionReasons.InvalidValue,
    ];

    /// <summary>None is refused unauthenticated; a principal without the legal-hold role not_permitted.</summary>
    public static Rejection? Requester(string? principal, AccessPolicy access, string what)
    {
        ArgumentNullException.ThrowIfNull(access);
        return AccessRules.Unauthenticated(principal)
            ?? (access.Holds(principal!, AccessRoles.LegalHold) ? null : AccessRules.NotPermitted(principal!, $"{what} (role '{AccessRoles.LegalHold}')"));
    }

    /// <summary>The fields of a PlaceLegalHold, checked before anything is read (every problem is invalid_value).</summary>
    public static Rejection? Invalid(PlaceLegalHold m)
    {
        ArgumentNullException.ThrowIfNull(m);
        return RequestId(m.RequestId)
            ?? Value(FieldRules.Name(m.ModelName, "modelName"))
            ?? (m.Version is < 1 ? new Rejection(RejectionReasons.InvalidValue, $"version: {m.Version} must be at least 1 (or absent: the whole model)") : null)
            ?? Reason(m.Reason)
            ?? Value(FieldRules.OptionalText(m.RequestedBy, "requestedBy", MaxRequesterLength));
    }

    /// <summary>The fields of a ReleaseLegalHold.</summary>
    public static Rejection? Invalid(ReleaseLegalHold m)
    {
        ArgumentNullException.ThrowIfNull(m);
        return RequestId(m.RequestId)
            ?? (m.HoldId == Guid.Empty ? new Rejection(RejectionReasons.InvalidValue, "holdId: required (the request id that placed the hold)") : null)
            ?? Reason(m.Reason)
            ?? Value(FieldRules.OptionalText(m.RequestedBy, "requestedBy", MaxRequesterLength));
    }

    /// <summary>Placing on a model (and version) that must exist.</summary>
    public static Rejection? Target(PlaceLegalHold m, bool modelExists, bool versionExists)
    {
        ArgumentNullException.ThrowIfNull(m);
        if (!modelExists) return new(RejectionReasons.UnknownModel, $"modelName: no model is named {m.ModelName}");
        if (m.Version is { } v && !versionExists) return new(UnknownVersion, $"version: {m.ModelName} has no version {v}");
        return null;
    }

    /// <summary>Releasing a hold that exists and is open.</summary>
    public static Rejection? Release(Guid holdId, HoldState? hold)
    {
        if (hold is null) return new(UnknownHold, $"holdId: no legal hold {holdId:D} (see `mreg hold list --all`)");
        if (hold.Released)
            return new(AlreadyReleased, $"holdId: the hold {holdId:D} on {Subject(hold.ModelName, hold.Version)} was released by {hold.ReleasedBy} "
                + $"at {hold.ReleasedAt:u}");
        return null;
    }

    /// <summary>"fraud-scorer" (every version) or "fraud-scorer version 3".</summary>
    public static string Subject(string modelName, int? version) => version is { } v ? $"{modelName} version {v}" : $"{modelName} (every version)";

    private static Rejection? RequestId(Guid id) =>
        id == Guid.Empty ? new(RejectionReasons.InvalidValue, "requestId: required (a new UUID per request; the same id again is the same request)") : null;

    private static Rejection? Reason(string? reason)
    {
        if (string.IsNullOrWhiteSpace(reason)) return new(RejectionReasons.InvalidValue, "reason: required (1-1,000 characters, e.g. the matter or case number)");
        return Value(FieldRules.OptionalText(reason, "reason", MaxReasonLength));
    }

    // Every field problem is invalid_value (LegalHoldChanged's documented codes); the message keeps the detail.
    private static Rejection? Value(Rejection? problem) =>
        problem is null ? null : problem.ReasonCode == RejectionReasons.InvalidValue ? problem : new(RejectionReasons.InvalidValue, problem.Message);
}
