namespace ModelRegistry.Deployments.Rules;

/// <summary>Where a deploy instruction stands (mreg promotions show).</summary>
public enum AcknowledgementState
{
    /// <summary>A ModelDeployed carried it out.</summary>
    Acknowledged,

    /// <summary>Not yet, and not yet due.</summary>
    Pending,

    /// <summary>Due, not acknowledged, and the discovery audit has not run since.</summary>
    Overdue,

    /// <summary>Due, not acknowledged, and deploy_not_acknowledged was raised.</summary>
    ViolationRaised,
}

/// <summary>The pure reading of an instruction's row.</summary>
public static class AcknowledgementStates
{
    public static AcknowledgementState Of(DateTimeOffset? acknowledgedAt, DateTimeOffset dueAt, DateTimeOffset? violationRaisedAt, DateTimeOffset now) =>
        acknowledgedAt is not null ? AcknowledgementState.Acknowledged
        : violationRaisedAt is not null ? AcknowledgementState.ViolationRaised
        : now < dueAt ? AcknowledgementState.Pending
        : AcknowledgementState.Overdue;

    /// <summary>The instructions the discovery audit raises deploy_not_acknowledged for: due, unacknowledged, not raised yet.</summary>
    public static bool NeedsViolation(DateTimeOffset? acknowledgedAt, DateTimeOffset dueAt, DateTimeOffset? violationRaisedAt, DateTimeOffset now) =>
        Of(acknowledgedAt, dueAt, violationRaisedAt, now) == AcknowledgementState.Overdue;
}
