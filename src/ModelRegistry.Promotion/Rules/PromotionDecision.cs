using ModelRegistry.Platform.Rules;

namespace ModelRegistry.Promotion.Rules;

/// <summary>What a request, or a look at the gates, comes to; the state machine moves on it.</summary>
public enum PromotionVerdict
{
    /// <summary>Refused, or a gate failed: <see cref="PromotionDecision.Why"/> says why.</summary>
    Rejected,

    /// <summary>The evaluation deadline passed with a required suite still missing (evaluation_timeout).</summary>
    Expired,

    /// <summary>A required suite has no evaluation yet: wait for it.</summary>
    AwaitEvaluations,

    /// <summary>The gates pass and the target stage needs approvals: ask for them.</summary>
    AwaitApproval,

    /// <summary>The gates pass and no approval is needed: promote.</summary>
    Promote,
}

/// <summary>The decision of <see cref="PromotionDecisions.OnRequest"/>, <see cref="PromotionDecisions.OnGates"/> or <see cref="PromotionDecisions.OnGatesAtPromotion"/>.</summary>
/// <param name="Verdict">Where it leads.</param>
/// <param name="Why">Rejected or Expired: the reason code and message.</param>
/// <param name="FailedGates">A gates_failed rejection: the failed gates; null otherwise (the audit record says null).</param>
/// <param name="MissingSuites">AwaitEvaluations: the required suites still missing; empty otherwise.</param>
public sealed record PromotionDecision(PromotionVerdict Verdict, Rejection? Why, IReadOnlyList<GateFailure>? FailedGates,
    IReadOnlyList<string> MissingSuites)
{
    public static PromotionDecision Refused(Rejection why, IReadOnlyList<GateFailure>? failed = null) =>
        new(PromotionVerdict.Rejected, why, failed, []);

    public static PromotionDecision Of(PromotionVerdict verdict) => new(verdict, null, null, []);
}

/// <summary>What a request and its version, read in the request's transaction, show.</summary>
/// <param name="ModelName">The model the request names (as stored, clipped).</param>
/// <param name="Version">The version number the request names.</param>
/// <param name="TargetStage">The stage it asks for (valid: the request passed <see cref="PromotionDecisions.Validate"/>).</param>
/// <param name="Facts">The version; null when the model has no such version.</param>
/// <param name="OtherOpen">Whether another promotion of the version to the stage is open.</param>
/// <param name="Evaluations">Every evaluation of the version (empty when there is no version).</param>
public sealed record PromotionRequestRead(string ModelName, int Version, string TargetStage, VersionFacts? Facts, bool OtherOpen,
    IReadOnlyList<EvaluationSummary> Evaluations);

/// <summary>Whether a <c>PromotionDeadlineReached</c> counts.</summary>
public enum DeadlineVerdict
{
    /// <summary>Not the deadline the promotion waits on (another kind, or another due time): ignored.</summary>
    Stale,

    /// <summary>The awaited deadline, fired before its time on this host's clock: scheduled again.</summary>
    Early,

    /// <summary>The awaited deadline, and its time has come.</summary>
    Due,
}

/// <summary>What an incoming approval decision comes to.</summary>
public enum VoteVerdict
{
    /// <summary>Not counted (unauthentic, self-approval, duplicate, role not required...): answered with ApprovalRefused.</summary>
    Refused,

    /// <summary>Counted; more approvals are needed.</summary>
    Waiting,

    /// <summary>Counted, and it is a rejection that counts (approval_rejected).</summary>
    Rejected,

    /// <summary>Counted, and it was the last approval needed.</summary>
    Approved,
}

/// <summary>The decision of <see cref="PromotionDecisions.OnVote"/>.</summary>
/// <param name="Verdict">Where it leads.</param>
/// <param name="Why">Refused: the refusal; Rejected: the approval_rejected reason; null otherwise.</param>
/// <param name="Standing">Counted: where the approvals stand with this vote; null when refused.</param>
public sealed record VoteDecision(VoteVerdict Verdict, Rejection? Why, ApprovalDecision? Standing)
{
    public static VoteDecision Refused(Rejection why) => new(VoteVerdict.Refused, why, null);
}

/// <summary>The decision of <see cref="PromotionDecisions.OnPromote"/>: the stage changes to make, or why the version can no longer be promoted.</summary>
/// <param name="Current">The version's stage now.</param>
/// <param name="Moved">The version moved while the promotion waited and may no longer go to the target (stage_changed); null when it may.</param>
/// <param name="Changes">The stage changes of the promotion (empty when <paramref name="Moved"/> is set).</param>
public sealed record StageMove(Stage Current, Rejection? Moved, IReadOnlyList<StageChange> Changes);
