using ModelRegistry.Contracts.Promotion;
using ModelRegistry.Platform.Rules;

namespace ModelRegistry.Promotion.Rules;

/// <summary>
/// What each event of a promotion comes to, decided from what its transaction read: no database, no clock of its own,
/// no broker. The saga reads, calls one of these, and the state machine (PromotionStateMachine) moves on the verdict.
/// </summary>
public static class PromotionDecisions
{
    /// <summary>The longest free text a promotion keeps (reasons, comments).</summary>
    public const int MaxTextLength = 2000;

    /// <summary>Why a request is malformed (invalid_request), or null when it may be looked at.</summary>
    public static Rejection? Validate(RequestPromotion request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var m = request;
        if (string.IsNullOrWhiteSpace(m.ModelName)) return new("invalid_request", "modelName: required");
        if (m.Version < 1) return new("invalid_request", $"version: {m.Version} is not a version number (1, 2, 3...)");
        if (!StageNames.TryParse(m.TargetStage, out _))
            return new("invalid_request", $"targetStage: '{Bounded.Clip(m.TargetStage, 50)}' is not one of {string.Join(", ", StageNames.All)}");
        if (string.IsNullOrWhiteSpace(m.RequestedBy)) return new("invalid_request", "requestedBy: required (someone must own the request)");
        if (m.RequestedBy.Length > 200) return new("invalid_request", "requestedBy: longer than 200 characters");
        if (string.IsNullOrWhiteSpace(m.Reason)) return new("invalid_request", "reason: required (say why, for the approvers and the audit log)");
        if (m.Reason.Length > MaxTextLength) return new("invalid_request", $"reason: longer than {MaxTextLength} characters");
        if (m.ChangeTicket is { Length: > 200 }) return new("invalid_request", "changeTicket: longer than 200 characters");
        return null;
    }

    /// <summary>
    /// A valid request against its version: unknown_version, a move the policy refuses, promotion_open when another promotion
    /// of the version to the stage is open, or else what the gates say (<see cref="OnGates"/>).
    /// </summary>
    /// <exception cref="InvalidOperationException">The version's risk tier is unknown to the policy.</exception>
    public static PromotionDecision OnRequest(PromotionPolicy policy, PromotionRequestRead read)
    {
        ArgumentNullException.ThrowIfNull(policy);
        ArgumentNullException.ThrowIfNull(read);
        if (read.Facts is not { } facts)
            return PromotionDecision.Refused(new("unknown_version", $"{read.ModelName} has no version {read.Version}"));
        var tier = TierOf(policy, facts.CurrentTier);
        if (PromotionRules.CheckTransition(StageNames.Parse(facts.Stage), StageNames.Parse(read.TargetStage), tier) is { } refused)
            return PromotionDecision.Refused(refused);
        if (read.OtherOpen)
            return PromotionDecision.Refused(new("promotion_open",
                $"{read.ModelName}/{read.Version} already has an open promotion to '{read.TargetStage}'; cancel it or wait for it"));
        return OnGates(StageOf(tier, read.TargetStage), read.Evaluations, passedDeadline: null);
    }

    /// <summary>
    /// The gates of <paramref name="stage"/> against the evaluations: a failed gate rejects (gates_failed); a missing suite
    /// waits, or expires (evaluation_timeout) once <paramref name="passedDeadline"/>, the evaluation deadline, has passed; passed
    /// gates lead to approvals when the stage requires them, else to the promotion.
    /// </summary>
    public static PromotionDecision OnGates(StagePolicy stage, IReadOnlyList<EvaluationSummary> evaluations, DateTimeOffset? passedDeadline)
    {
        ArgumentNullException.ThrowIfNull(stage);
        var gates = GateEvaluation.Evaluate(stage, evaluations);
        if (gates.Failed.Count > 0) return GatesFailed(gates.Failed, "");
        if (gates.MissingSuites.Count > 0)
        {
            return passedDeadline is not null
                ? new(PromotionVerdict.Expired, new("evaluation_timeout",
                    $"no evaluation of {string.Join(", ", gates.MissingSuites)} arrived by {passedDeadline:O}"), null, [])
                : new(PromotionVerdict.AwaitEvaluations, null, null, gates.MissingSuites);
        }
        return PromotionDecision.Of(stage.Approvals is null ? PromotionVerdict.Promote : PromotionVerdict.AwaitApproval);
    }

    /// <summary>
    /// The gates once more at the moment of promotion: after the last approval, or (no approval needed) just before the
    /// stage changes. The evaluations are those received by then, so one received while the approvals were awaited counts.
    /// A failed gate rejects (gates_failed, the failures as <see cref="OnGates"/> reports them); so does a required suite
    /// with no evaluation (the policy or the model's tier changed meanwhile): nothing is promoted on a gate it has not
    /// seen pass. Otherwise promote.
    /// </summary>
    public static PromotionDecision OnGatesAtPromotion(StagePolicy stage, IReadOnlyList<EvaluationSummary> evaluations)
    {
        ArgumentNullException.ThrowIfNull(stage);
        var gates = GateEvaluation.Evaluate(stage, evaluations);
        IReadOnlyList<GateFailure> failed =
            [.. gates.Failed, .. gates.MissingSuites.Select(suite => new GateFailure("suite", $"{suite}: required, but the version has no evaluation of it"))];
        return failed.Count > 0 ? GatesFailed(failed, "gates checked again at promotion: ") : PromotionDecision.Of(PromotionVerdict.Promote);
    }

    private static PromotionDecision GatesFailed(IReadOnlyList<GateFailure> failed, string when) =>
        PromotionDecision.Refused(new("gates_failed", $"{when}{failed.Count} gate(s) failed: {string.Join("; ", failed.Select(f => f.Message))}"), failed);

    /// <summary>How long a promotion waits for missing evaluations: the stage's evaluation timeout, else its approval timeout, else the default.</summary>
    public static TimeSpan EvaluationTimeout(StagePolicy stage, TimeSpan fallback)
    {
        ArgumentNullException.ThrowIfNull(stage);
        return stage.EvaluationTimeout ?? stage.Approvals?.Timeout ?? fallback;
    }

    /// <summary>
    /// Whether a deadline of <paramref name="kind"/> due at <paramref name="dueAt"/> counts for a promotion waiting on the
    /// <paramref name="awaitedKind"/> deadline due at <paramref name="awaitedDue"/>, at <paramref name="now"/>.
    /// </summary>
    public static DeadlineVerdict OnDeadline(string awaitedKind, DateTimeOffset? awaitedDue, string kind, DateTimeOffset dueAt, DateTimeOffset now)
    {
        if (awaitedKind != kind || awaitedDue is not { } due || !SameInstant(due, dueAt)) return DeadlineVerdict.Stale;
        return now < due ? DeadlineVerdict.Early : DeadlineVerdict.Due;
    }

    /// <summary>
    /// An authenticated vote (<paramref name="incoming"/>) after the counted <paramref name="earlier"/> ones: refused by the
    /// approval rules, or counted, and then where the approvals stand (<see cref="ApprovalRules.Decide(StagePolicy, string, IReadOnlyList{ApprovalVote})"/>).
    /// </summary>
    public static VoteDecision OnVote(StagePolicy stage, string requester, IReadOnlyList<ApprovalVote> earlier, ApprovalVote incoming, string? comment)
    {
        ArgumentNullException.ThrowIfNull(earlier);
        if (ApprovalRules.Refusal(stage, requester, earlier, incoming) is { } refused) return VoteDecision.Refused(refused);
        var standing = ApprovalRules.Decide(stage, requester, [.. earlier, incoming]);
        return standing.Outcome switch
        {
            ApprovalOutcome.Rejected => new(VoteVerdict.Rejected, new("approval_rejected",
                $"{standing.RejectedBy!.Approver} ({standing.RejectedBy.Role}) rejected the promotion: {Bounded.Clip(comment, 500)}"), standing),
            ApprovalOutcome.Approved => new(VoteVerdict.Approved, null, standing),
            _ => new(VoteVerdict.Waiting, null, standing),
        };
    }

    /// <summary>What the approvals still need, for people ("missing roles a, b (2 more approver(s))").</summary>
    public static string Waiting(ApprovalDecision standing)
    {
        ArgumentNullException.ThrowIfNull(standing);
        return standing.MissingRoles.Count > 0
            ? $"missing roles {string.Join(", ", standing.MissingRoles)} ({standing.MissingApprovers} more approver(s))"
            : $"{standing.MissingApprovers} more approver(s)";
    }

    /// <summary>The approval deadline passed (approval_timeout).</summary>
    public static Rejection ApprovalTimeout(DateTimeOffset due, ApprovalDecision standing) =>
        new("approval_timeout", $"the approvals were not complete by {due:O}: {Waiting(standing)}");

    /// <summary>
    /// Promoting <paramref name="version"/>, requested from <paramref name="fromStage"/>, to <paramref name="targetStage"/>, with the
    /// model's <paramref name="stages"/> as they are now: stage_changed when the version moved meanwhile to a stage it may not be
    /// promoted from, else the stage changes (<see cref="ProductionExclusivity.Apply(IReadOnlyList{VersionStage}, int, Stage)"/>).
    /// </summary>
    public static StageMove OnPromote(string fromStage, int version, string targetStage, TierPolicy tier, IReadOnlyList<VersionStage> stages)
    {
        ArgumentNullException.ThrowIfNull(stages);
        var current = stages.Single(x => x.Version == version).Stage;
        var target = StageNames.Parse(targetStage);
        if (current != StageNames.Parse(fromStage) && PromotionRules.CheckTransition(current, target, tier) is { } moved)
        {
            return new(current, new("stage_changed",
                $"the version moved from '{fromStage}' to '{StageNames.Format(current)}' while the promotion waited: {moved.Message}"), []);
        }
        return new(current, null, ProductionExclusivity.Apply(stages, version, target));
    }

    /// <exception cref="InvalidOperationException">The risk tier is unknown.</exception>
    public static TierPolicy TierOf(PromotionPolicy policy, string? riskTier)
    {
        ArgumentNullException.ThrowIfNull(policy);
        return policy.For(RiskTierNames.TryParse(riskTier, out var tier) ? tier : throw new InvalidOperationException($"unknown risk tier '{riskTier}'"));
    }

    /// <exception cref="InvalidOperationException">The tier's policy has no such target stage (any more).</exception>
    public static StagePolicy StageOf(TierPolicy tier, string targetStage)
    {
        ArgumentNullException.ThrowIfNull(tier);
        return tier.For(StageNames.Parse(targetStage))
            ?? throw new InvalidOperationException($"the policy no longer has a '{targetStage}' stage for tier {RiskTierNames.Format(tier.Tier)}");
    }

    private static bool SameInstant(DateTimeOffset a, DateTimeOffset b) => Math.Abs((a - b).TotalMilliseconds) < 1;
}
