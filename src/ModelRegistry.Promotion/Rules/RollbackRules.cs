using ModelRegistry.Platform.Rules;

namespace ModelRegistry.Promotion.Rules;

/// <summary>One change of a model's production history, in the order they happened.</summary>
/// <param name="Version">The version that changed.</param>
/// <param name="EnteredProduction">True: it entered production (promotion or rollback). False: a rollback retired it.</param>
/// <param name="IncidentId">For a rollback's retirement: the incident the rollback answered.</param>
public sealed record ProductionChange(int Version, bool EnteredProduction, string? IncidentId = null);

/// <summary>The version a rollback restores, and the one it retires.</summary>
public sealed record RollbackTarget(int Restored, int Retired);

/// <summary>A rollback's verdict: a target, or why there is none.</summary>
public sealed record RollbackDecision(RollbackTarget? Target, Rejection? Refused);

/// <summary>A rollback already done for the same incident of the same model.</summary>
public sealed record EarlierRollback(Guid RollbackId, int Restored, int Retired);

/// <summary>Which version a rollback puts back in production (docs/promotion.md, Rollback).</summary>
public static class RollbackRules
{
    public const string NothingInProduction = "nothing_in_production";
    public const string NoPreviousVersion = "no_previous_version";
    public const string DuplicateIncident = "duplicate_incident";
    public const string StaleRollback = "stale_rollback";

    /// <summary>
    /// Before choosing a target: one rollback per incident of a model (a repeat is a duplicate, not a second step back:
    /// duplicate_incident), and only from the version the requester saw in production (else stale_rollback).
    /// </summary>
    public static Rejection? CheckRequest(string modelName, string incidentId, int fromVersion, int? production, EarlierRollback? earlier)
    {
        if (earlier is { } done)
        {
            return new(DuplicateIncident,
                $"incident {incidentId} already rolled {modelName} back (rollback {done.RollbackId}: {done.Retired} -> {done.Restored}); one rollback per incident: ask again under a new incident to go further back");
        }
        // With nothing in production there is nothing to roll back at all: Decide says so (nothing_in_production).
        if (production is { } current && current != fromVersion)
        {
            return new(StaleRollback,
                $"the rollback is from {modelName}/{fromVersion}, but version {current} is in production now: look again and roll back from what is there");
        }
        return null;
    }

    /// <summary>
    /// The version that most recently entered production, other than <paramref name="production"/>, not counting versions a
    /// rollback retired (so a second rollback goes one further back instead of restoring the version just rolled back).
    /// </summary>
    /// <param name="modelName">The model, for the messages.</param>
    /// <param name="production">The version in production now, if any.</param>
    /// <param name="history">Every entry into production and every retirement by a rollback, oldest first.</param>
    public static RollbackDecision Decide(string modelName, int? production, IReadOnlyList<ProductionChange> history)
    {
        ArgumentNullException.ThrowIfNull(history);
        if (production is not { } current)
            return Refuse(NothingInProduction, $"{modelName} has no version in production to roll back");

        var rolledBack = history.Where(c => !c.EnteredProduction).ToList();
        var others = history.Where(c => c.EnteredProduction && c.Version != current).Select(c => c.Version).ToList();
        for (var i = others.Count - 1; i >= 0; i--)
        {
            if (rolledBack.All(r => r.Version != others[i])) return new RollbackDecision(new RollbackTarget(others[i], current), null);
        }
        if (others.Count == 0)
            return Refuse(NoPreviousVersion, $"{modelName}/{current} is the only version that has been in production");

        // Every other version that has been in production was taken out by a rollback: say which, and by which incident.
        var retired = others.Distinct().Order().ToList();
        var incidents = rolledBack.Where(r => retired.Contains(r.Version) && !string.IsNullOrEmpty(r.IncidentId))
            .Select(r => r.IncidentId!).Distinct().ToList();
        var which = retired.Count == 1
            ? $"version {retired[0]}, the other version that has been in production, was retired by a rollback"
            : $"versions {string.Join(", ", retired)}, the others that have been in production, were retired by rollbacks";
        var why = incidents.Count == 0 ? "" : $" ({(incidents.Count == 1 ? "incident" : "incidents")} {string.Join(", ", incidents)})";
        return Refuse(NoPreviousVersion,
            $"{modelName}/{current} is in production and no earlier version is left to roll back to: {which}{why}, and a rollback never restores a version a rollback retired (promote it instead)");
    }

    private static RollbackDecision Refuse(string code, string message) => new(null, new Rejection(code, message));
}
