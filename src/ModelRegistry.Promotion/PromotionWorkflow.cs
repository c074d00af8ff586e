using MassTransit;
using Microsoft.Extensions.Logging;
using ModelRegistry.Contracts.Promotion;
using ModelRegistry.Platform;
using ModelRegistry.Platform.Audit;
using ModelRegistry.Platform.Identity;
using ModelRegistry.Platform.Outbox;
using ModelRegistry.Platform.Rules;
using ModelRegistry.Promotion.Rules;

namespace ModelRegistry.Promotion;

/// <summary>
/// The activities of <see cref="PromotionStateMachine"/>. Each either reads what a decision needs and keeps the decision
/// of a pure function (<see cref="PromotionDecisions"/>) on the message's context for the machine to branch on, or carries out
/// what a branch means: saga fields, stage changes, events, audit records and deadlines, through the message's
/// <see cref="IPromotionStore"/> and <see cref="IPromotionOutbox"/>, which commit together. None of them picks a state.
/// </summary>
public sealed partial class PromotionWorkflow(LoadedPromotionPolicy policy, PromotionOptions options, IApprovalAuthenticator authenticator,
    IPromotionDeadlines deadlines, IMessagePrincipal principals, AccessPolicy access, TimeProvider clock, ILogger<PromotionWorkflow> logger)
{
    public const string Actor = "svc:promotion";
    public const int MaxTextLength = PromotionDecisions.MaxTextLength;

    // Fields rather than captured parameters: PromotionWorkflow.Approvals.cs uses them too.
    private readonly LoadedPromotionPolicy policy = policy;
    private readonly PromotionOptions options = options;
    private readonly IApprovalAuthenticator authenticator = authenticator;
    private readonly IPromotionDeadlines deadlines = deadlines;
    private readonly IMessagePrincipal principals = principals;
    private readonly AccessPolicy access = access;
    private readonly TimeProvider clock = clock;
    private readonly ILogger<PromotionWorkflow> logger = logger;

    // ---- RequestPromotion -------------------------------------------------------------------------------------------

    /// <summary>
    /// Takes the request into the saga, and audits it. The requester is the principal that sent it (the broker's validated
    /// user_id); the body's <c>requestedBy</c> is kept as what it claimed (<see cref="PromotionState.ClaimedBy"/>).
    /// </summary>
    public void TakeRequest(BehaviorContext<PromotionState, RequestPromotion> context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var (s, m) = (context.Saga, context.Message);
        if (m.PromotionId == Guid.Empty) throw new InvalidMessageException("RequestPromotion.PromotionId is missing (a new UUID per request)");
        s.ModelName = Bounded.Clip(m.ModelName, 200);
        s.ModelVersion = m.Version;
        s.TargetStage = Bounded.Clip(m.TargetStage, 50);
        s.RequestedBy = Bounded.Clip(Principal(context) ?? "", 200);
        s.ClaimedBy = m.RequestedBy is null ? null : Bounded.Clip(m.RequestedBy, 200);
        s.Reason = Bounded.Clip(m.Reason, MaxTextLength);
        s.ChangeTicket = m.ChangeTicket is null ? null : Bounded.Clip(m.ChangeTicket, 200);
        s.RequestedAt = clock.GetUtcNow();
        context.Outbox().Audit(Record(s, ActorOf(s.RequestedBy), "promotion.requested",
            new { targetStage = s.TargetStage, reason = s.Reason, changeTicket = s.ChangeTicket, claimedBy = s.ClaimedBy }));
    }

    /// <summary>Reads the version, other open promotions and the evaluations; keeps <see cref="PromotionDecisions.OnRequest"/>.</summary>
    public async Task CheckRequestAsync(BehaviorContext<PromotionState, RequestPromotion> context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var (s, m, ct) = (context.Saga, context.Message, context.CancellationToken);
        if ((PromotionAuthority.MayRequest(access, Principal(context)) ?? PromotionDecisions.Validate(m)) is { } invalid)
        {
            context.Keep(PromotionDecision.Refused(invalid));
            return;
        }
        var store = context.Store();
        var facts = await store.FindVersionAsync(s.ModelName, m.Version, ct);
        var read = new PromotionRequestRead(s.ModelName, m.Version, s.TargetStage, facts, false, []);
        if (facts is not null)
        {
            s.ModelVersionId = facts.VersionId;
            s.FromStage = facts.Stage;
            s.RiskTier = facts.CurrentTier; // the tier it is requested under; only a raise of the model's tier changes it later
            context.Keep(new TierInForce(s.RiskTier));
            read = read with
            {
                OtherOpen = await store.OtherOpenPromotionAsync(s.CorrelationId, s.ModelName, s.ModelVersion, s.TargetStage, ct),
                Evaluations = await store.EvaluationsAsync(facts.VersionId, ct),
            };
            context.Keep(new PromotionReading(facts, read.Evaluations));
        }
        context.Keep(PromotionDecisions.OnRequest(policy.Policy, read));
    }

    // ---- gates: PromotionEvaluationArrived, the evaluation deadline ------------------------------------------------------

    /// <summary>Reads the version's evaluations; keeps <see cref="PromotionDecisions.OnGates"/>.</summary>
    public Task CheckGatesAsync(BehaviorContext<PromotionState> context) => CheckGatesAsync(context, passedDeadline: null);

    /// <summary>At the evaluation deadline: an evaluation may have arrived without its notice reaching us, so look once more
    /// before giving up (a suite still missing expires the promotion).</summary>
    public Task CheckGatesOnceMoreAsync(BehaviorContext<PromotionState> context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return CheckGatesAsync(context, context.Saga.EvaluationDeadline);
    }

    private async Task CheckGatesAsync(BehaviorContext<PromotionState> context, DateTimeOffset? passedDeadline)
    {
        ArgumentNullException.ThrowIfNull(context);
        var (s, ct) = (context.Saga, context.CancellationToken);
        var store = context.Store();
        var facts = (await store.FindVersionAsync(s.ModelName, s.ModelVersion, ct))!;
        KeepTierInForce(context, facts);
        var stage = StagePolicyOf(context);
        var evaluations = await store.EvaluationsAsync(facts.VersionId, ct);
        context.Keep(new PromotionReading(facts, evaluations));
        context.Keep(PromotionDecisions.OnGates(stage, evaluations, passedDeadline));
    }

    /// <summary>
    /// At the moment of promotion: locks the model, reads its evaluations once more, and keeps
    /// <see cref="PromotionDecisions.OnGatesAtPromotion"/>. The evaluation worker records under a share lock of the same
    /// model row, so an evaluation is either committed before this read (and counts) or recorded after the promotion.
    /// </summary>
    public async Task CheckGatesAtPromotionAsync(BehaviorContext<PromotionState> context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var (ct, store) = (context.CancellationToken, context.Store());
        var facts = await FactsAsync(context);
        KeepTierInForce(context, facts);
        await store.LockModelAsync(facts.ModelId, ct);
        var evaluations = await store.EvaluationsAsync(facts.VersionId, ct);
        context.Keep(new PromotionReading(facts, evaluations));
        context.Keep(PromotionDecisions.OnGatesAtPromotion(StagePolicyOf(context), evaluations));
    }

    /// <summary>Waiting for missing suites: the first time, schedules the evaluation deadline and audits the wait.</summary>
    public void AwaitEvaluations(BehaviorContext<PromotionState> context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var s = context.Saga;
        if (s.EvaluationDeadline is not null) return; // still waiting, on the deadline already set
        var outbox = context.Outbox();
        var due = clock.GetUtcNow() + PromotionDecisions.EvaluationTimeout(StagePolicyOf(context), options.DefaultEvaluationTimeout);
        s.EvaluationDeadline = due;
        outbox.BeforeCommit(c => deadlines.ScheduleAsync(s.CorrelationId, DeadlineKinds.Evaluation, due, c));
        outbox.Audit(Record(s, Actor, "promotion.awaiting_evaluations", new { missingSuites = context.Decision().MissingSuites, deadline = due }));
    }

    /// <summary>The gates passed: the evaluation deadline, if any, is no longer needed.</summary>
    public void StopAwaitingEvaluations(BehaviorContext<PromotionState> context)
    {
        ArgumentNullException.ThrowIfNull(context);
        CancelDeadline(context.Outbox(), context.Saga, DeadlineKinds.Evaluation, context.Saga.EvaluationDeadline);
    }

    // ---- deadlines ---------------------------------------------------------------------------------------------------------

    /// <summary>Keeps <see cref="PromotionDecisions.OnDeadline"/> for a promotion waiting on its <paramref name="awaited"/> deadline.</summary>
    public void WeighDeadline(BehaviorContext<PromotionState, PromotionDeadlineReached> context, string awaited, DateTimeOffset? due)
    {
        ArgumentNullException.ThrowIfNull(context);
        var m = context.Message;
        context.Keep(new DeadlineCheck(PromotionDecisions.OnDeadline(awaited, due, m.Deadline, m.DueAt, clock.GetUtcNow()), due));
    }

    public void IgnoreDeadline(BehaviorContext<PromotionState, PromotionDeadlineReached> context)
    {
        ArgumentNullException.ThrowIfNull(context);
        logger.LogInformation("Promotion {PromotionId}: stale {Kind} deadline ignored", context.Saga.CorrelationId, context.Message.Deadline);
    }

    /// <summary>Fired early (clocks disagree): put it back for its time.</summary>
    public void ScheduleDeadlineAgain(BehaviorContext<PromotionState, PromotionDeadlineReached> context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var (id, kind, due) = (context.Saga.CorrelationId, context.Message.Deadline, context.GetPayload<DeadlineCheck>().Due!.Value);
        context.Outbox().BeforeCommit(ct => deadlines.ScheduleAsync(id, kind, due, ct));
    }

    // ---- CancelPromotion ---------------------------------------------------------------------------------------------------

    /// <summary>May the sender cancel it? Its own requester, or a canceller (<see cref="PromotionAuthority.MayCancel"/>).</summary>
    public bool MayCancel(BehaviorContext<PromotionState, CancelPromotion> context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return PromotionAuthority.MayCancel(access, Principal(context), context.Saga.RequestedBy) is null;
    }

    public void Cancel(BehaviorContext<PromotionState, CancelPromotion> context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var (s, m, outbox) = (context.Saga, context.Message, context.Outbox());
        var by = ActorOf(Principal(context));
        Finish(outbox, s, "cancelled", $"cancelled by {by}: {Bounded.Clip(m.Reason, MaxTextLength)}");
        outbox.Publish(new PromotionCancelled
        {
            PromotionId = s.CorrelationId, ModelName = s.ModelName, Version = s.ModelVersion, TargetStage = s.TargetStage,
            CancelledBy = by, Reason = Bounded.Clip(m.Reason, MaxTextLength), CancelledAt = s.FinishedAt!.Value,
        });
        outbox.Audit(Record(s, by, "promotion.cancelled",
            new { reason = Bounded.Clip(m.Reason, MaxTextLength), claimedBy = m.CancelledBy is null ? null : Bounded.Clip(m.CancelledBy, 200) }));
    }

    /// <summary>
    /// A cancel by a principal that may not: the promotion goes on. The cancel path has no refusal event (a cancel of a
    /// finished promotion is ignored too), so the refusal is the audit record promotion.cancel_refused and a warning.
    /// </summary>
    public void RefuseCancel(BehaviorContext<PromotionState, CancelPromotion> context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var (s, m) = (context.Saga, context.Message);
        var why = PromotionAuthority.MayCancel(access, Principal(context), s.RequestedBy)!;
        RefuseCommand(context, "promotion.cancel_refused", why, m.CancelledBy);
    }

    // ---- identity ----------------------------------------------------------------------------------------------------------

    /// <summary>The sender's principal: the broker's validated user_id (docs/security.md), null when it carries none.</summary>
    public string? Principal(ConsumeContext context) => principals.SenderOf(context);

    /// <summary>Did the registry itself send it? Deadlines and evaluation notices are the registry's own messages.</summary>
    public bool FromRegistry(ConsumeContext context) => access.IsRegistry(Principal(context));

    /// <summary>An internal message from someone else than the registry: changes nothing; audited and logged.</summary>
    public void IgnoreForeign<T>(BehaviorContext<PromotionState, T> context) where T : class
    {
        ArgumentNullException.ThrowIfNull(context);
        var why = PromotionAuthority.IsRegistry(access, Principal(context), typeof(T).Name)!;
        RefuseCommand(context, "promotion.foreign_ignored", why, null);
    }

    private void RefuseCommand<T>(BehaviorContext<PromotionState, T> context, string action, Rejection why, string? claimedBy) where T : class
    {
        var s = context.Saga;
        var by = ActorOf(Principal(context));
        context.Outbox().Audit(Record(s, by, action, new
        {
            message = typeof(T).Name, reasonCode = why.ReasonCode, why = why.Message, claimedBy = claimedBy is null ? null : Bounded.Clip(claimedBy, 200),
        }));
        logger.LogWarning("Promotion {PromotionId}: {Message} from {Principal} refused: {Reason} {Why}", s.CorrelationId, typeof(T).Name, by,
            why.ReasonCode, why.Message);
    }

    private static string ActorOf(string? principal) => string.IsNullOrEmpty(principal) ? "unknown" : Bounded.Clip(principal, 200);

    // ---- the risk tier in force --------------------------------------------------------------------------------------------

    /// <summary>
    /// Keeps the tier this message decides under: the stricter of the tier the promotion was requested under and the
    /// model's tier now (<see cref="RiskTierNames.Stricter"/>): a raise applies at once, a lowering only to later requests.
    /// </summary>
    /// <summary>The version as this message read it for the gates, or (after the last approval) as it is now.</summary>
    private static async Task<VersionFacts> FactsAsync(BehaviorContext<PromotionState> context) =>
        context.TryGetPayload<PromotionReading>(out var reading)
            ? reading.Facts
            : (await context.Store().FindVersionAsync(context.Saga.ModelName, context.Saga.ModelVersion, context.CancellationToken))!;

    private static void KeepTierInForce(BehaviorContext<PromotionState> context, VersionFacts facts) =>
        context.Keep(new TierInForce(RiskTierNames.Stricter(context.Saga.RiskTier, facts.CurrentTier)));

    // ---- promoting ---------------------------------------------------------------------------------------------------------

    /// <summary>Locks the model, reads its stages, and keeps <see cref="PromotionDecisions.OnPromote"/>.</summary>
    public async Task CheckStagesAsync(BehaviorContext<PromotionState> context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var (s, ct, store) = (context.Saga, context.CancellationToken, context.Store());
        var facts = await FactsAsync(context);
        if (!context.TryGetPayload<TierInForce>(out _)) KeepTierInForce(context, facts);
        await store.LockModelAsync(facts.ModelId, ct);
        var stages = await store.StagesAsync(facts.ModelId, s.ModelVersion, ct);
        var versions = stages.Select(x => new VersionStage(x.Version, StageNames.Parse(x.Stage))).ToList();
        context.Keep(new StageCheck(facts, stages, PromotionDecisions.OnPromote(s.FromStage!, s.ModelVersion, s.TargetStage, TierOf(context), versions)));
    }

    public void RejectStageChanged(BehaviorContext<PromotionState> context)
    {
        ArgumentNullException.ThrowIfNull(context);
        Reject(context, context.StageMove().Moved!, null, expired: false);
    }

    /// <summary>Writes the stage changes, publishes <see cref="ModelVersionPromoted"/> (and, for production, <see cref="DeployModelVersion"/>).</summary>
    public async Task PromoteAsync(BehaviorContext<PromotionState> context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var (s, outbox, check) = (context.Saga, context.Outbox(), context.GetPayload<StageCheck>());
        var (facts, current, changes) = (check.Facts, check.Move.Current, check.Move.Changes);
        var now = clock.GetUtcNow();
        // The model is locked (CheckStagesAsync) and nothing is in the outbox yet: the stage sequence is in commit order.
        var sequence = await context.Store().ApplyStageChangesAsync(facts.ModelId, check.Stages, changes, "promotion", s.CorrelationId, s.RequestedBy, now,
            context.CancellationToken);
        foreach (var change in changes)
        {
            outbox.Audit(new AuditAppend(Actor, "stage.changed", "model_version", $"{s.ModelName}/{change.Version}", s.ModelName,
                new { from = StageNames.Format(change.From), to = StageNames.Format(change.To), cause = "promotion", promotionId = s.CorrelationId }));
        }
        var retired = changes.Where(c => c.To == Stage.Retired).Select(c => c.Version).ToList();
        Finish(outbox, s, "promoted", $"{s.ModelName}/{s.ModelVersion} is in '{s.TargetStage}'");
        outbox.Publish(new ModelVersionPromoted
        {
            PromotionId = s.CorrelationId, ModelName = s.ModelName, Version = s.ModelVersion, ModelVersionId = facts.VersionId,
            FromStage = StageNames.Format(current), ToStage = s.TargetStage, RetiredVersions = retired, RequestedBy = s.RequestedBy,
            ApprovedBy = s.Votes.Where(v => v.Approved)
                .Select(v => new Approval { Approver = v.Approver, Role = v.Role, TicketId = v.TicketId, DecidedAt = v.DecidedAt }).ToList(),
            ChangeTicket = s.ChangeTicket, PromotedAt = now, StageSequence = sequence,
        }, OrderingKeys.Model(s.ModelName));
        if (StageNames.Parse(s.TargetStage) == Stage.Production)
        {
            outbox.Publish(new DeployModelVersion
            {
                DeploymentId = s.CorrelationId, ModelName = s.ModelName, Version = s.ModelVersion, ModelVersionId = facts.VersionId,
                ManifestDigest = facts.ManifestDigest, Cause = "promotion", ReplacesVersion = retired.Count > 0 ? retired[0] : null, IssuedAt = now,
                StageSequence = sequence,
            }, OrderingKeys.Model(s.ModelName));
        }
        outbox.Audit(Record(s, Actor, "promotion.promoted",
            new { from = StageNames.Format(current), to = s.TargetStage, retired, approvedBy = s.Votes.Where(v => v.Approved).Select(v => $"{v.Approver} ({v.Role})") }));
    }

    // ---- ending ------------------------------------------------------------------------------------------------------------

    /// <summary>Rejected on the request or the gates: <see cref="PromotionDecision.Why"/>.</summary>
    public void Reject(BehaviorContext<PromotionState> context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var decision = context.Decision();
        Reject(context, decision.Why!, decision.FailedGates, expired: false);
    }

    /// <summary>Expired on the gates (evaluation_timeout).</summary>
    public void Expire(BehaviorContext<PromotionState> context)
    {
        ArgumentNullException.ThrowIfNull(context);
        Reject(context, context.Decision().Why!, null, expired: true);
    }

    private void Reject(BehaviorContext<PromotionState> context, Rejection why, IReadOnlyList<GateFailure>? failed, bool expired)
    {
        var (s, outbox) = (context.Saga, context.Outbox());
        Finish(outbox, s, why.ReasonCode, why.Message);
        outbox.Publish(new PromotionRejected
        {
            PromotionId = s.CorrelationId, ModelName = s.ModelName, Version = s.ModelVersion, TargetStage = s.TargetStage,
            ReasonCode = why.ReasonCode, Message = why.Message,
            FailedGates = failed?.Select(f => new FailedGate { Gate = f.Gate, Message = f.Message }).ToList() ?? [],
            RejectedAt = s.FinishedAt!.Value,
        });
        outbox.Audit(Record(s, Actor, expired ? "promotion.expired" : "promotion.rejected",
            new { reasonCode = why.ReasonCode, message = why.Message, failedGates = failed?.Select(f => f.Message) }));
        logger.LogInformation("Promotion {PromotionId} of {Model}/{Version} to {Stage}: {Reason} {Message}", s.CorrelationId, s.ModelName,
            s.ModelVersion, s.TargetStage, why.ReasonCode, why.Message);
    }

    private void Finish(IPromotionOutbox outbox, PromotionState s, string code, string message)
    {
        s.OutcomeCode = code;
        s.OutcomeMessage = message;
        s.FinishedAt = clock.GetUtcNow();
        CancelDeadline(outbox, s, DeadlineKinds.Evaluation, s.EvaluationDeadline);
        CancelDeadline(outbox, s, DeadlineKinds.Approval, s.ApprovalDeadline);
    }

    private void CancelDeadline(IPromotionOutbox outbox, PromotionState s, string kind, DateTimeOffset? due)
    {
        if (due is null) return;
        var id = s.CorrelationId;
        outbox.AfterCommit(ct => deadlines.CancelAsync(id, kind, ct));
    }

    /// <summary>The policy of the tier in force for this message (the kept <see cref="TierInForce"/>, else the requested tier).</summary>
    private TierPolicy TierOf(BehaviorContext<PromotionState> context) =>
        PromotionDecisions.TierOf(policy.Policy, context.TryGetPayload<TierInForce>(out var tier) ? tier.Tier : context.Saga.RiskTier);

    private StagePolicy StagePolicyOf(BehaviorContext<PromotionState> context) => PromotionDecisions.StageOf(TierOf(context), context.Saga.TargetStage);

    private static AuditAppend Record(PromotionState s, string actor, string action, object details) =>
        new(actor, action, "promotion", s.CorrelationId.ToString("D"), string.IsNullOrEmpty(s.ModelName) ? null : s.ModelName,
            new Dictionary<string, object?>
            {
                ["model"] = s.ModelName, ["version"] = s.ModelVersion, ["targetStage"] = s.TargetStage, ["details"] = details,
            });
}

/// <summary>The ticketing side of approvals from configuration (docs/ticketing.md): checks decisions, signs requests.</summary>
public interface IApprovalAuthenticator
{
    /// <summary>Whether an <see cref="ApprovalDecided"/> is authentic, allowed for its integration, and its approver holds the role.</summary>
    Rejection? Check(ApprovalDecided decision);

    /// <summary>Whether its signature verifies under its integration's secret (refused ones are then remembered).</summary>
    bool IsAuthentic(ApprovalDecided decision);

    /// <summary>The registry's signature of a request for each configured integration.</summary>
    IReadOnlyDictionary<string, string> SignRequest(ApprovalRequested request);

    /// <summary>The clock skew allowed around a decision's decidedAt.</summary>
    TimeSpan ClockSkew { get; }
}
