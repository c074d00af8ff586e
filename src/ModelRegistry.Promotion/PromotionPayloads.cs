using MassTransit;
using ModelRegistry.Promotion.Rules;

namespace ModelRegistry.Promotion;

/// <summary>What one message's activities read, kept on its context for the activities and branches after them.</summary>
/// <param name="Facts">The version, as read in this message's transaction.</param>
/// <param name="Evaluations">Its evaluations, as the gates read them.</param>
public sealed record PromotionReading(VersionFacts Facts, IReadOnlyList<EvaluationSummary> Evaluations);

/// <summary>The stages read for a promotion (under the model's lock), and what <see cref="PromotionDecisions.OnPromote"/> made of them.</summary>
public sealed record StageCheck(VersionFacts Facts, IReadOnlyList<StoredStage> Stages, StageMove Move);

/// <summary>The risk tier this message decides under (docs/promotion.md, "Risk tier in force").</summary>
public sealed record TierInForce(string? Tier);

/// <summary>What <see cref="PromotionDecisions.OnDeadline"/> made of a deadline, with the due time the promotion waits on.</summary>
public sealed record DeadlineCheck(DeadlineVerdict Verdict, DateTimeOffset? Due);

/// <summary>
/// The per-message payloads of the promotion saga: the store and outbox of the message's transaction (added by the saga
/// repository), and the decisions its activities took (read by the state machine's branches).
/// </summary>
public static class PromotionPayloads
{
    public static IPromotionStore Store(this PipeContext context) => context.GetPayload<IPromotionStore>();

    public static IPromotionOutbox Outbox(this PipeContext context) => context.GetPayload<IPromotionOutbox>();

    /// <summary>Keeps <paramref name="value"/> for the rest of this message (replacing one kept before).</summary>
    public static void Keep<T>(this PipeContext context, T value) where T : class
    {
        ArgumentNullException.ThrowIfNull(context);
        context.AddOrUpdatePayload(() => value, _ => value);
    }

    public static PromotionDecision Decision(this PipeContext context) => context.GetPayload<PromotionDecision>();

    public static PromotionVerdict Verdict(this PipeContext context) => context.Decision().Verdict;

    public static VoteDecision Vote(this PipeContext context) => context.GetPayload<VoteDecision>();

    public static DeadlineVerdict Deadline(this PipeContext context) => context.GetPayload<DeadlineCheck>().Verdict;

    public static StageMove StageMove(this PipeContext context) => context.GetPayload<StageCheck>().Move;
}
