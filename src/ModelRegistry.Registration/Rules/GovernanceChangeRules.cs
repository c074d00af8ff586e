using ModelRegistry.Contracts;
using ModelRegistry.Platform.Identity;
using ModelRegistry.Platform.Rules;

namespace ModelRegistry.Registration.Rules;

/// <summary>What a <see cref="ChangeModelGovernance"/> comes to, decided without the database.</summary>
public static class GovernanceChangeRules
{
    public const int MaxReasonLength = 2000;
    public const int MaxRequestedByLength = 200;

    /// <summary>
    /// Refused for who sent it: nobody the broker vouched for (<see cref="RejectionReasons.Unauthenticated"/>), or a principal
    /// without the governance role (<see cref="RejectionReasons.NotPermitted"/>), the registry's own users included.
    /// </summary>
    public static Rejection? Authorize(string? principal, AccessPolicy access)
    {
        ArgumentNullException.ThrowIfNull(access);
        if (AccessRules.Unauthenticated(principal) is { } unauthenticated) return unauthenticated;
        return access.Holds(principal!, AccessRoles.Governance)
            ? null
            : AccessRules.NotPermitted(principal!, $"change a model's owner team or risk tier (it needs the '{AccessRoles.Governance}' role)");
    }

    /// <summary>The first problem with the command's fields, or null. Tier names are those registration takes.</summary>
    public static Rejection? Validate(ChangeModelGovernance m)
    {
        ArgumentNullException.ThrowIfNull(m);
        if (m.CommandId == Guid.Empty) return FieldRules.Missing("commandId");
        if (FieldRules.Name(m.ModelName, "modelName") is { } name) return name;
        if (m.OwnerTeam is null && m.RiskTier is null)
            return new(RejectionReasons.MissingField, "ownerTeam, riskTier: give at least one of them (the values to change to)");
        if (m.OwnerTeam is not null && FieldRules.Name(m.OwnerTeam, "ownerTeam") is { } team) return team;
        if (m.RiskTier is not null && !RegistrationRules.RiskTiers.Contains(m.RiskTier))
            return new(RejectionReasons.InvalidValue, $"riskTier: {FieldRules.Shown(m.RiskTier)} is not one of low, medium, high, critical");
        return FieldRules.RequiredText(m.Reason, "reason", MaxReasonLength)
            ?? FieldRules.OptionalText(m.RequestedBy, "requestedBy", MaxRequestedByLength);
    }

    /// <summary>
    /// The model's governance after the command, or a refusal when it changes nothing (the model already has the values
    /// asked for). Call after <see cref="Validate"/>.
    /// </summary>
    public static (ModelGovernance? Changed, Rejection? Refused) Decide(ModelGovernance current, ChangeModelGovernance m)
    {
        ArgumentNullException.ThrowIfNull(m);
        var next = new ModelGovernance(m.OwnerTeam ?? current.OwnerTeam, m.RiskTier ?? current.RiskTier);
        return next == current
            ? (null, new Rejection(RejectionReasons.InvalidValue,
                $"nothing to change: {m.ModelName} already has owner team '{current.OwnerTeam}' and risk tier '{current.RiskTier}'"))
            : (next, null);
    }
}
