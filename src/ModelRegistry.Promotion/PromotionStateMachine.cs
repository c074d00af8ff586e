using MassTransit;
using ModelRegistry.Contracts.Promotion;
using ModelRegistry.Promotion;
using ModelRegistry.Platform;
using ModelRegistry.Platform.Rules;

namespace ModelRegistry.Promotion;

/// <summary>
/// One instance per promotion request (docs/promotion.md has the diagram). The decisions live in
/// <see cref="PromotionWorkflow"/>; this class says which events count in which state, and moves between states on
/// the step the workflow chose.
/// </summary>
public sealed class PromotionStateMachine : MassTransitStateMachine<PromotionState>
{
    public PromotionStateMachine(PromotionWorkflow workflow)
    {
        InstanceState(x => x.CurrentState);

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

        Initially(
            Route(When(Requested).ThenAsync(workflow.StartAsync)));

        During(AwaitingEvaluations,
            Route(When(EvaluationArrived).ThenAsync(workflow.EvaluationArrivedAsync)),
            Route(When(DeadlineReached).ThenAsync(workflow.DeadlineAsync)),
            When(Decided).ThenAsync(workflow.RefuseNotWaitingAsync),
            Route(When(CancelRequested).ThenAsync(workflow.CancelAsync)));

        During(AwaitingApproval,
            Route(When(Decided).ThenAsync(workflow.DecideAsync)),
            Route(When(DeadlineReached).ThenAsync(workflow.DeadlineAsync)),
            Route(When(CancelRequested).ThenAsync(workflow.CancelAsync)),
            Ignore(EvaluationArrived));

        During(Promoted, Rejected, Expired, Cancelled,
            When(Decided).ThenAsync(workflow.RefuseNotWaitingAsync),
            Ignore(CancelRequested),
            Ignore(DeadlineReached),
            Ignore(EvaluationArrived));

        During([AwaitingEvaluations, AwaitingApproval, Promoted, Rejected, Expired, Cancelled],
            Ignore(Requested)); // a redelivered or re-sent request: the promotion already exists
    }

    /// <summary>Moves to the state the workflow chose (<see cref="PromotionState.Next"/>); Stay stays.</summary>
    private EventActivityBinder<PromotionState, T> Route<T>(EventActivityBinder<PromotionState, T> binder) where T : class =>
        binder
            .If(c => c.Saga.Next == PromotionStep.AwaitEvaluations, b => b.TransitionTo(AwaitingEvaluations))
            .If(c => c.Saga.Next == PromotionStep.AwaitApproval, b => b.TransitionTo(AwaitingApproval))
            .If(c => c.Saga.Next == PromotionStep.Promoted, b => b.TransitionTo(Promoted))
            .If(c => c.Saga.Next == PromotionStep.Rejected, b => b.TransitionTo(Rejected))
            .If(c => c.Saga.Next == PromotionStep.Expired, b => b.TransitionTo(Expired))
            .If(c => c.Saga.Next == PromotionStep.Cancelled, b => b.TransitionTo(Cancelled));

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
}
