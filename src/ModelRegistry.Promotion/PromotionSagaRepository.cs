using MassTransit;
using MassTransit.Configuration;
using MassTransit.Context;
using MassTransit.Saga;
using Microsoft.Extensions.Logging;
using ModelRegistry.Promotion;
using Npgsql;
using ModelRegistry.Platform;
using ModelRegistry.Platform.Rules;

namespace ModelRegistry.Promotion;

/// <summary>
/// MassTransit's saga repository for <see cref="PromotionState"/> on Npgsql + Dapper (MassTransit's own EF and Dapper
/// repositories are not available here). Every message runs in one <see cref="UnitOfWork"/>, which the
/// state machine reaches as a payload of its context: the saga row, stage changes, outbox events and audit records
/// commit together. Concurrency is optimistic: an update names the <c>saga_version</c> it read, and a lost race throws
/// <see cref="ConcurrencyException"/>, which rolls everything back and is retried with the row as the winner left it.
/// </summary>
public sealed class PromotionSagaRepositoryContextFactory(NpgsqlDataSource dataSource,
    ISagaConsumeContextFactory<UnitOfWork, PromotionState> factory, TimeProvider clock,
    ILogger<PromotionSagaRepositoryContextFactory> logger) :
    ISagaRepositoryContextFactory<PromotionState>
{
    public static void Register(ISagaRepositoryRegistrationConfigurator<PromotionState> configurator)
    {
        configurator.RegisterSagaRepository<PromotionState, UnitOfWork,
            SagaConsumeContextFactory<UnitOfWork, PromotionState>, PromotionSagaRepositoryContextFactory>();
    }

    public void Probe(ProbeContext context) => context.Add("persistence", "postgresql (npgsql + dapper)");

    public async Task Send<T>(ConsumeContext<T> context, IPipe<SagaRepositoryContext<PromotionState, T>> next) where T : class
    {
        await using var work = await UnitOfWork.BeginAsync(dataSource, context.CancellationToken);
        var repositoryContext = new PromotionSagaRepositoryContext<T>(work, context, factory, clock);
        await next.Send(repositoryContext);
        var failures = await work.CommitAsync(clock.GetUtcNow(), context.CancellationToken);
        foreach (var failure in failures)
            logger.LogWarning(failure, "After-commit work of promotion message {MessageId} failed (the promotion ignores stale deadlines)", context.MessageId);
    }

    public Task SendQuery<T>(ConsumeContext<T> context, ISagaQuery<PromotionState> query, IPipe<SagaRepositoryQueryContext<PromotionState, T>> next)
        where T : class =>
        throw new NotSupportedException("promotion events correlate by promotion id; queries are not supported");
}

/// <summary>One message's view of the repository, inside its <see cref="UnitOfWork"/>; it carries the unit of work to the saga as
/// its <see cref="IPromotionStore"/> and <see cref="IPromotionOutbox"/>.</summary>
public sealed class PromotionSagaRepositoryContext<TMessage> : ConsumeContextScope<TMessage>, SagaRepositoryContext<PromotionState, TMessage>
    where TMessage : class
{
    private readonly UnitOfWork work;
    private readonly ISagaConsumeContextFactory<UnitOfWork, PromotionState> factory;
    private readonly TimeProvider clock;

    public PromotionSagaRepositoryContext(UnitOfWork work, ConsumeContext<TMessage> context,
        ISagaConsumeContextFactory<UnitOfWork, PromotionState> factory, TimeProvider clock)
        : base(context, work, new PostgresPromotionStore(work), new UnitOfWorkPromotionOutbox(work))
    {
        this.work = work;
        this.factory = factory;
        this.clock = clock;
    }

    public Task<SagaConsumeContext<PromotionState, T>> CreateSagaConsumeContext<T>(ConsumeContext<T> consumeContext, PromotionState instance,
        SagaConsumeContextMode mode) where T : class =>
        factory.CreateSagaConsumeContext(work, consumeContext, instance, mode);

    public Task<SagaConsumeContext<PromotionState, TMessage>> Add(PromotionState instance) =>
        factory.CreateSagaConsumeContext(work, this, instance, SagaConsumeContextMode.Add);

    public async Task<SagaConsumeContext<PromotionState, TMessage>> Insert(PromotionState instance)
    {
        await PromotionStore.InsertAsync(work, instance, clock.GetUtcNow(), CancellationToken);
        return await factory.CreateSagaConsumeContext(work, this, instance, SagaConsumeContextMode.Insert);
    }

    public async Task<SagaConsumeContext<PromotionState, TMessage>> Load(Guid correlationId)
    {
        var instance = await PromotionStore.LoadAsync(work.Connection, work.Transaction, correlationId, CancellationToken);
        return instance is null
            ? null!
            : await factory.CreateSagaConsumeContext(work, this, instance, SagaConsumeContextMode.Load);
    }

    public Task Save(SagaConsumeContext<PromotionState> context) =>
        PromotionStore.InsertAsync(work, context.Saga, clock.GetUtcNow(), CancellationToken);

    public async Task Update(SagaConsumeContext<PromotionState> context)
    {
        if (!await PromotionStore.TryUpdateAsync(work, context.Saga, clock.GetUtcNow(), CancellationToken))
            throw new ConcurrencyException($"promotion {context.Saga.CorrelationId} was changed by another process since version {context.Saga.Version}; retrying",
                typeof(PromotionState), context.Saga.CorrelationId);
    }

    public Task Delete(SagaConsumeContext<PromotionState> context) =>
        throw new InvalidOperationException("promotions are kept for the record, never deleted");

    public Task Discard(SagaConsumeContext<PromotionState> context) => Task.CompletedTask;

    public Task Undo(SagaConsumeContext<PromotionState> context) => Task.CompletedTask;
}
