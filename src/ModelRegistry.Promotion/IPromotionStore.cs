using ModelRegistry.Platform;
using ModelRegistry.Platform.Audit;
using ModelRegistry.Promotion.Rules;

namespace ModelRegistry.Promotion;

/// <summary>
/// What the promotion saga reads and writes besides its own row, inside the message's transaction. A payload of every
/// message the saga handles: <see cref="PostgresPromotionStore"/> in the host, an in-memory one in the harness specs.
/// </summary>
public interface IPromotionStore
{
    /// <summary>The version, or null when the model has no such version.</summary>
    Task<VersionFacts?> FindVersionAsync(string modelName, int version, CancellationToken ct);

    /// <summary>Is another promotion of this version to this stage open?</summary>
    Task<bool> OtherOpenPromotionAsync(Guid promotionId, string modelName, int version, string targetStage, CancellationToken ct);

    /// <summary>Every evaluation of a version, as the gates read them.</summary>
    Task<IReadOnlyList<EvaluationSummary>> EvaluationsAsync(Guid versionId, CancellationToken ct);

    /// <summary>Locks the model: stage changes of one model are serialized.</summary>
    Task LockModelAsync(Guid modelId, CancellationToken ct);

    /// <summary>The versions of a model that have left 'registered', plus <paramref name="alsoVersion"/> in any stage.</summary>
    Task<IReadOnlyList<StoredStage>> StagesAsync(Guid modelId, int? alsoVersion, CancellationToken ct);

    /// <summary>Writes stage changes (current stage and history); returns the model's stage-change number they take.</summary>
    Task<long> ApplyStageChangesAsync(Guid modelId, IReadOnlyList<StoredStage> stages, IReadOnlyList<StageChange> changes, string cause,
        Guid causeId, string actor, DateTimeOffset at, CancellationToken ct);

    /// <summary>The earlier refusal of this signed decision of this promotion, or null when there was none.</summary>
    Task<RefusedDecision?> RefusedBeforeAsync(Guid promotionId, string signature, CancellationToken ct);

    /// <summary>Remembers a refused signed decision, so it never counts later (the first refusal stands).</summary>
    Task RememberRefusalAsync(Guid promotionId, string signature, string reasonCode, DateTimeOffset at, CancellationToken ct);
}

/// <summary>A signed decision refused before: why, and when.</summary>
public sealed record RefusedDecision(string ReasonCode, DateTimeOffset RefusedAt);

/// <summary>
/// What the promotion saga sends out, committed with the message's transaction: events (outbox), audit records, and the
/// deadline work that runs just before (scheduling) or just after (cancelling) the commit.
/// </summary>
public interface IPromotionOutbox
{
    /// <summary>Publishes at commit; after the earlier events of <paramref name="orderingKey"/>, if given (<see cref="Platform.Outbox.OutboxEntry.OrderingKey"/>).</summary>
    void Publish<T>(T message, string? orderingKey = null) where T : class;

    void Audit(AuditAppend record);

    void BeforeCommit(Func<CancellationToken, Task> action);

    void AfterCommit(Func<CancellationToken, Task> action);
}

/// <summary>The promotion store on PostgreSQL: <see cref="PromotionStore"/>'s SQL in the message's <see cref="UnitOfWork"/>.</summary>
public sealed class PostgresPromotionStore(UnitOfWork work) : IPromotionStore
{
    public Task<VersionFacts?> FindVersionAsync(string modelName, int version, CancellationToken ct) =>
        PromotionStore.FindVersionAsync(work, modelName, version, ct);

    public Task<bool> OtherOpenPromotionAsync(Guid promotionId, string modelName, int version, string targetStage, CancellationToken ct) =>
        PromotionStore.OtherOpenPromotionAsync(work, promotionId, modelName, version, targetStage, ct);

    public Task<IReadOnlyList<EvaluationSummary>> EvaluationsAsync(Guid versionId, CancellationToken ct) =>
        PromotionStore.EvaluationsAsync(work.Connection, work.Transaction, versionId, ct);

    public Task LockModelAsync(Guid modelId, CancellationToken ct) => PromotionStore.LockModelAsync(work, modelId, ct);

    public Task<IReadOnlyList<StoredStage>> StagesAsync(Guid modelId, int? alsoVersion, CancellationToken ct) =>
        PromotionStore.StagesAsync(work, modelId, alsoVersion, ct);

    public Task<long> ApplyStageChangesAsync(Guid modelId, IReadOnlyList<StoredStage> stages, IReadOnlyList<StageChange> changes, string cause,
        Guid causeId, string actor, DateTimeOffset at, CancellationToken ct) =>
        PromotionStore.ApplyStageChangesAsync(work, modelId, stages, changes, cause, causeId, actor, at, ct);

    public Task<RefusedDecision?> RefusedBeforeAsync(Guid promotionId, string signature, CancellationToken ct) =>
        PromotionStore.RefusedBeforeAsync(work, promotionId, signature, ct);

    public Task RememberRefusalAsync(Guid promotionId, string signature, string reasonCode, DateTimeOffset at, CancellationToken ct) =>
        PromotionStore.RememberRefusalAsync(work, promotionId, signature, reasonCode, at, ct);
}

/// <summary>The promotion outbox on the message's <see cref="UnitOfWork"/>.</summary>
public sealed class UnitOfWorkPromotionOutbox(UnitOfWork work) : IPromotionOutbox
{
    public void Publish<T>(T message, string? orderingKey = null) where T : class => work.Publish(message, orderingKey);

    public void Audit(AuditAppend record) => work.Audit(record);

    public void BeforeCommit(Func<CancellationToken, Task> action) => work.BeforeCommit(action);

    public void AfterCommit(Func<CancellationToken, Task> action) => work.AfterCommit(action);
}
