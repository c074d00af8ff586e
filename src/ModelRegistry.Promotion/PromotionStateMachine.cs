using MassTransit;
using ModelRegistry.Contracts.Promotion;
using ModelRegistry.Promotion.Rules;

namespace ModelRegistry.Promotion;

/// <summary>
/// One instance per promotion request (docs/promotion.md has the diagram). Read top to bottom: which event counts in
/// which state, and to which state it leads under which decision. The decisions are pure functions
/// (<see cref="PromotionDecisions"/>), called by <see cref="PromotionWorkflow"/>'s activities after they read what they need;
/// the branches below move on their verdicts, and the workflow's effects write, publish and audit what each branch means.
/// </summary>
public sealed class PromotionStateMachine : MassTransitStateMachine<PromotionState>
{
    public PromotionStateMachine(PromotionWorkflow workflow)
    {
        ArgumentNullException.ThrowIfNull(workflow);
        InstanceState(x => x.CurrentState);
        CorrelateEvents(workflow);

        Initially(
            When(Requested)
                .Then(workflow.TakeRequest)
                .ThenAsync(workflow.CheckRequestAsync)
                .IfElse(c => c.Verdict() == PromotionVerdict.Rejected,
                    refused => refused.Then(workflow.Reject).TransitionTo(Rejected),
                    gated => AfterGates(gated, workflow)));

        During(AwaitingEvaluations,
            When(EvaluationArrived)
                .IfElse(c => workflow.FromRegistry(c),
                    registry => registry
                        .ThenAsync(workflow.CheckGatesAsync)
                        .IfElse(c => c.Verdict() == PromotionVerdict.Rejected,
                            failed => failed.Then(workflow.Reject).TransitionTo(Rejected),
                            gated => AfterGates(gated, workflow)),
                    foreign => foreign.Then(workflow.IgnoreForeign)),
            When(DeadlineReached, c => !workflow.FromRegistry(c)).Then(workflow.IgnoreForeign),
            When(DeadlineReached, c => workflow.FromRegistry(c))
                .Then(c => workflow.WeighDeadline(c, DeadlineKinds.Evaluation, c.Saga.EvaluationDeadline))
                .If(c => c.Deadline() == DeadlineVerdict.Stale, stale => stale.Then(workflow.IgnoreDeadline))
                .If(c => c.Deadline() == DeadlineVerdict.Early, early => early.Then(workflow.ScheduleDeadlineAgain))
                .If(c => c.Deadline() == DeadlineVerdict.Due, due => due
                    .ThenAsync(workflow.CheckGatesOnceMoreAsync)
                    .IfElse(c => c.Verdict() == PromotionVerdict.Rejected,
                        failed => failed.Then(workflow.Reject).TransitionTo(Rejected),
                        passedOrMissing => passedOrMissing.IfElse(c => c.Verdict() == PromotionVerdict.Expired,
                            missing => missing.Then(workflow.Expire).TransitionTo(Expired),
                            gated => AfterGates(gated, workflow)))),
            When(Decided).Then(workflow.RefuseNotWaiting),
            When(CancelRequested)
                .IfElse(c => workflow.MayCancel(c),
                    allowed => allowed.Then(workflow.Cancel).TransitionTo(Cancelled),
                    refused => refused.Then(workflow.RefuseCancel)),
            Ignore(ResendRequested)); // nothing has been requested yet

        During(AwaitingApproval,
            When(Decided)
                .ThenAsync(workflow.WeighVoteAsync)
                .IfElse(c => c.Vote().Verdict == VoteVerdict.Refused,
                    refused => refused.Then(workflow.RefuseVote),
                    counted => counted
                        .Then(PromotionWorkflow.CountVote)
                        .If(c => c.Vote().Verdict == VoteVerdict.Waiting, waiting => waiting.Then(workflow.NoteWaiting))
                        .If(c => c.Vote().Verdict == VoteVerdict.Rejected, rejected => rejected.Then(workflow.RejectByVote).TransitionTo(Rejected))
                        .If(c => c.Vote().Verdict == VoteVerdict.Approved, approved => Promote(approved, workflow))),
            When(DeadlineReached, c => !workflow.FromRegistry(c)).Then(workflow.IgnoreForeign),
            When(DeadlineReached, c => workflow.FromRegistry(c))
                .Then(c => workflow.WeighDeadline(c, DeadlineKinds.Approval, c.Saga.ApprovalDeadline))
                .If(c => c.Deadline() == DeadlineVerdict.Stale, stale => stale.Then(workflow.IgnoreDeadline))
                .If(c => c.Deadline() == DeadlineVerdict.Early, early => early.Then(workflow.ScheduleDeadlineAgain))
                .If(c => c.Deadline() == DeadlineVerdict.Due, due => due.Then(workflow.ExpireApproval).TransitionTo(Expired)),
            When(ResendRequested)
                .IfElse(c => workflow.MayResend(c),
                    allowed => allowed.ThenAsync(workflow.ResendApprovalAsync),
                    refused => refused.Then(workflow.RefuseResend)),
            When(CancelRequested)
                .IfElse(c => workflow.MayCancel(c),
                    allowed => allowed.Then(workflow.Cancel).TransitionTo(Cancelled),
                    refused => refused.Then(workflow.RefuseCancel)),
            Ignore(EvaluationArrived));

        During(Promoted, Rejected, Expired, Cancelled,
            When(Decided).Then(workflow.RefuseNotWaiting),
            Ignore(CancelRequested),
            Ignore(DeadlineReached),
            Ignore(EvaluationArrived),
            Ignore(ResendRequested));

        During([AwaitingEvaluations, AwaitingApproval, Promoted, Rejected, Expired, Cancelled],
            Ignore(Requested)); // a redelivered or re-sent request: the promotion already exists
    }

    /// <summary>
    /// The gates did not reject: a missing suite waits in AwaitingEvaluations (its deadline scheduled once); passed gates
    /// stop that wait and ask for approvals (AwaitingApproval), or promote when the stage needs none.
    /// </summary>
    private EventActivityBinder<PromotionState, T> AfterGates<T>(EventActivityBinder<PromotionState, T> binder, PromotionWorkflow workflow)
        where T : class =>
        binder
            .If(c => c.Verdict() == PromotionVerdict.AwaitEvaluations,
                missing => missing.Then(workflow.AwaitEvaluations).TransitionTo(AwaitingEvaluations))
            .If(c => c.Verdict() == PromotionVerdict.AwaitApproval,
                approval => approval.Then(workflow.StopAwaitingEvaluations).ThenAsync(workflow.RequestApprovalAsync).TransitionTo(AwaitingApproval))
            .If(c => c.Verdict() == PromotionVerdict.Promote,
                promote => Promote(promote.Then(workflow.StopAwaitingEvaluations), workflow));

    /// <summary>
    /// Promotes (Promoted), after the last approval or when none is needed, unless the gates fail when checked again on
    /// the evaluations received by now (Rejected, gates_failed), or the version moved while the promotion waited to a
    /// stage it may not leave for the target (Rejected, stage_changed).
    /// </summary>
    private EventActivityBinder<PromotionState, T> Promote<T>(EventActivityBinder<PromotionState, T> binder, PromotionWorkflow workflow)
        where T : class =>
        binder
            .ThenAsync(workflow.CheckGatesAtPromotionAsync)
            .IfElse(c => c.Verdict() == PromotionVerdict.Rejected,
                failed => failed.Then(workflow.Reject).TransitionTo(Rejected),
                passed => passed
                    .ThenAsync(workflow.CheckStagesAsync)
                    .IfElse(c => c.StageMove().Moved is not null,
                        moved => moved.Then(workflow.RejectStageChanged).TransitionTo(Rejected),
                        still => still.ThenAsync(workflow.PromoteAsync).TransitionTo(Promoted)));

    private void CorrelateEvents(PromotionWorkflow workflow)
    {
        Event(() => Requested, x => x.CorrelateById(c => c.Message.PromotionId));
        Event(() => EvaluationArrived, x =>
        {
            x.CorrelateById(c => c.Message.PromotionId);
            x.OnMissingInstance(m => m.Discard());
        });
        Event(() => DeadlineReached, x =>
        {
            x.CorrelateById(c => c.Message.PromotionId);
            x.OnMissingInstance(m => m.Discard());
        });
        Event(() => Decided, x =>
        {
            x.CorrelateById(c => c.Message.PromotionId);
            x.OnMissingInstance(m => m.ExecuteAsync(workflow.RefuseUnknownAsync));
        });
        Event(() => CancelRequested, x =>
        {
            x.CorrelateById(c => c.Message.PromotionId);
            x.OnMissingInstance(m => m.Discard());
        });
        Event(() => ResendRequested, x =>
        {
            x.CorrelateById(c => c.Message.PromotionId);
            x.OnMissingInstance(m => m.Discard());
        });
    }

    public State AwaitingEvaluations { get; private set; } = null!;
    public State AwaitingApproval { get; private set; } = null!;
    public State Promoted { get; private set; } = null!;
    public State Rejected { get; private set; } = null!;
    public State Expired { get; private set; } = null!;
    public State Cancelled { get; private set; } = null!;

    public Event<RequestPromotion> Requested { get; private set; } = null!;
    public Event<PromotionEvaluationArrived> EvaluationArrived { get; private set; } = null!;
    public Event<PromotionDeadlineReached> DeadlineReached { get; private set; } = null!;
    public Event<ApprovalDecided> Decided { get; private set; } = null!;
    public Event<CancelPromotion> CancelRequested { get; private set; } = null!;
    public Event<ResendApprovalRequest> ResendRequested { get; private set; } = null!;
}

/// <summary>
/// One promotion request: the promotion saga's instance (<see cref="PromotionStateMachine"/>), stored in
/// <c>registry.promotions</c> by <see cref="PromotionStore"/>.
/// </summary>
public sealed class PromotionState : SagaStateMachineInstance, ISagaVersion
{
    /// <summary>The promotion id (the requester's <c>PromotionId</c>).</summary>
    public Guid CorrelationId { get; set; }

    /// <summary>The optimistic concurrency token (<c>saga_version</c>): the version this instance was read at.</summary>
    public int Version { get; set; }

    /// <summary>The state machine's state name: AwaitingEvaluations, AwaitingApproval, Promoted, Rejected, Expired, Cancelled.</summary>
    public string CurrentState { get; set; } = "";

    public string ModelName { get; set; } = "";
    public int ModelVersion { get; set; }
    public string TargetStage { get; set; } = "";
    public Guid? ModelVersionId { get; set; }
    public string? FromStage { get; set; }
    public string? RiskTier { get; set; }
    /// <summary>The requester: the principal that sent the RequestPromotion (its validated AMQP user_id), never the body's claim.</summary>
    public string RequestedBy { get; set; } = "";

    /// <summary>What the request's body said in <c>requestedBy</c>: information only.</summary>
    public string? ClaimedBy { get; set; }

    public string Reason { get; set; } = "";
    public string? ChangeTicket { get; set; }
    public DateTimeOffset RequestedAt { get; set; }
    public DateTimeOffset? EvaluationDeadline { get; set; }
    public DateTimeOffset? ApprovalDeadline { get; set; }

    /// <summary>The nonce of the approval request (<see cref="ApprovalRequested.Nonce"/>): every decision must sign it. Kept by a resend.</summary>
    public string? ApprovalNonce { get; set; }

    /// <summary>When approval was requested: a decision's decidedAt may not be earlier (less the clock skew).</summary>
    public DateTimeOffset? ApprovalRequestedAt { get; set; }

    /// <summary>Every counted vote, in arrival order.</summary>
    public List<PromotionVote> Votes { get; set; } = [];

    /// <summary>How it ended (a reason code, or "promoted"); null while open.</summary>
    public string? OutcomeCode { get; set; }
    public string? OutcomeMessage { get; set; }
    public DateTimeOffset? FinishedAt { get; set; }
    public DateTimeOffset UpdatedAt { get; set; }
}

/// <summary>A counted approval or rejection.</summary>
public sealed record PromotionVote(string Approver, string Role, bool Approved, string Integration, string TicketId, string Comment,
    DateTimeOffset DecidedAt);
