using ModelRegistry.Contracts;
using ModelRegistry.Contracts.Promotion;
using ModelRegistry.Platform.Rules;
using ModelRegistry.Platform;
using ModelRegistry.Platform.Outbox;

namespace ModelRegistry.Platform;

/// <summary>
/// The rejection event of each command a body can be refused as, by the exchange it was published to (the only thing
/// known of a body that is not read), filled from the ids and names in its head. Commands without a rejection event
/// (RunProbe, CancelPromotion) and the registry's own messages have none here: their refused bodies go to the error
/// queue.
/// </summary>
public static class BodyRefusals
{
    public delegate (RefusedBody Refused, OutboxEntry Event) Refusal(BodyHead head, Guid? messageId, string reason, DateTimeOffset now);

    private static readonly Dictionary<string, Refusal> ByExchange = new(StringComparer.Ordinal)
    {
        [Exchange<ModelTrained>()] = (head, id, reason, now) =>
        {
            var model = head.Field("modelName") ?? "";
            return (Refused("registration", Exchange<ModelTrained>(), id, model, reason, head), OutboxEntry.For(new ModelRegistrationRejected
            {
                ModelName = model, IdempotencyKey = head.Field("idempotencyKey"), ReasonCode = RejectionReasons.BodyTooLarge,
                Message = reason, RejectedAt = now,
            }));
        },
        [Exchange<EvaluationCompleted>()] = (head, id, reason, now) =>
        {
            var evaluation = head.Id("evaluationId");
            return (Refused("evaluation", Exchange<EvaluationCompleted>(), id, evaluation.ToString(), reason, head), OutboxEntry.For(new EvaluationRejected
            {
                EvaluationId = evaluation, ReasonCode = RejectionReasons.BodyTooLarge, Message = reason, RejectedAt = now,
            }));
        },
        [Exchange<RequestPromotion>()] = (head, id, reason, now) =>
        {
            var promotion = head.Id("promotionId");
            return (Refused("promotion", Exchange<RequestPromotion>(), id, promotion.ToString(), reason, head), OutboxEntry.For(new PromotionRejected
            {
                PromotionId = promotion, ModelName = head.Field("modelName") ?? "",
                Version = int.TryParse(head.Field("version"), out var version) ? version : 0,
                TargetStage = head.Field("targetStage") ?? "", ReasonCode = RejectionReasons.BodyTooLarge, Message = reason, RejectedAt = now,
            }));
        },
        [Exchange<ApprovalDecided>()] = (head, id, reason, now) =>
        {
            var promotion = head.Id("promotionId");
            return (Refused("approval", Exchange<ApprovalDecided>(), id, promotion.ToString(), reason, head), OutboxEntry.For(new ApprovalRefused
            {
                PromotionId = promotion, Integration = head.Field("integration") ?? "", TicketId = head.Field("ticketId") ?? "",
                Approver = head.Field("approver") ?? "", Role = head.Field("role") ?? "",
                ReasonCode = RejectionReasons.BodyTooLarge, Message = reason, RefusedAt = now,
            }));
        },
        [Exchange<RequestRollback>()] = (head, id, reason, now) =>
        {
            var rollback = head.Id("rollbackId");
            return (Refused("rollback", Exchange<RequestRollback>(), id, rollback.ToString(), reason, head), OutboxEntry.For(new RollbackRejected
            {
                RollbackId = rollback, ModelName = head.Field("modelName") ?? "", IncidentId = head.Field("incidentId") ?? "",
                ReasonCode = RejectionReasons.BodyTooLarge, Message = reason, RejectedAt = now,
            }));
        },
    };

    /// <summary>The refusal of a body published to <paramref name="exchange"/>, or null when that command has no rejection event.</summary>
    public static Refusal? For(string? exchange) => exchange is not null && ByExchange.TryGetValue(exchange, out var refusal) ? refusal : null;

    /// <summary>Why a body of <paramref name="size"/> bytes is refused, naming the limit and the setting.</summary>
    public static string Reason(long size, int limit) =>
        FormattableString.Invariant(
            $"the body is {size:N0} bytes, over the registry's limit of {limit:N0} bytes ({MessageOptions.Section}:MaxBodyBytes); it was not read");

    private static RefusedBody Refused(string kind, string exchange, Guid? messageId, string subject, string reason, BodyHead head) =>
        new(kind, exchange, messageId, subject, RejectionReasons.BodyTooLarge, reason, head);

    private static string Exchange<T>() => ExchangeTypedJsonDeserializer.ExchangeOf<T>();
}
