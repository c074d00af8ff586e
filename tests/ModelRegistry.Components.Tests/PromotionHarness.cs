using System.Collections.Concurrent;
using MassTransit;
using MassTransit.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using ModelRegistry.Contracts.Promotion;
using ModelRegistry.Platform.Audit;
using ModelRegistry.Platform.Identity;
using ModelRegistry.Platform.Rules;
using ModelRegistry.Promotion;
using ModelRegistry.Promotion.Approvals;
using ModelRegistry.Promotion.Rules;

namespace ModelRegistry.Components.Tests;

/// <summary>
/// The promotion state machine in MassTransit's in-memory test harness, on an in-memory saga repository: no database, no
/// broker. <see cref="InMemoryPromotionStore"/> stands for the registry's tables, <see cref="CommitLog"/> for the unit of
/// work's commit (events, audit records, deadline work), a <see cref="FakeTimeProvider"/> for the clock.
/// </summary>
public abstract class PromotionHarness : IAsyncLifetime
{
    public static readonly DateTimeOffset Start = new(2026, 11, 26, 12, 0, 0, TimeSpan.Zero);

    /// <summary>
    /// low: no gates, no approvals. medium: staging needs accuracy &gt;= 0.8 (evaluation timeout 2 h); production from staging
    /// needs the same gate and two approvals (model-risk-officer, security-review; 1 h). high and critical: production from
    /// staging with the approvals only.
    /// </summary>
    public const string Policy = """
        {
          "tiers": {
            "low": { "staging": { "from": ["registered"] }, "production": { "from": ["registered", "staging"] } },
            "medium": {
              "staging": {
                "from": ["registered"],
                "gates": { "requiredSuites": ["accuracy"], "metrics": [{ "suite": "accuracy", "name": "accuracy", "direction": "at_least", "threshold": 0.8 }] },
                "evaluationTimeout": "PT2H"
              },
              "production": {
                "from": ["staging"],
                "gates": { "requiredSuites": ["accuracy"], "metrics": [{ "suite": "accuracy", "name": "accuracy", "direction": "at_least", "threshold": 0.8 }] },
                "approvals": { "roles": ["model-risk-officer", "security-review"], "distinctApprovers": 2, "timeout": "PT1H" },
                "evaluationTimeout": "PT2H"
              }
            },
            "high": {
              "staging": { "from": ["registered"] },
              "production": { "from": ["staging"], "approvals": { "roles": ["model-risk-officer", "security-review"], "distinctApprovers": 2, "timeout": "PT1H" } }
            },
            "critical": {
              "staging": { "from": ["registered"] },
              "production": { "from": ["staging"], "approvals": { "roles": ["model-risk-officer", "security-review"], "distinctApprovers": 2, "timeout": "PT1H" } }
            }
          }
        }
        """;

    private ServiceProvider provider = null!;

    protected FakeTimeProvider Clock { get; } = new(Start);
    protected InMemoryPromotionStore Store { get; } = new();
    protected CommitLog Commits { get; } = new();
    protected RecordingDeadlines Deadlines { get; } = new();
    protected ITestHarness Harness { get; private set; } = null!;
    protected ISagaStateMachineTestHarness<PromotionStateMachine, PromotionState> Saga { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        var policy = PromotionPolicy.Parse(Policy).Policy ?? throw new InvalidOperationException("the harness policy is invalid");
        provider = new ServiceCollection()
            .AddLogging()
            .AddSingleton<TimeProvider>(Clock)
            .AddSingleton(new PromotionOptions { PolicyFile = "test" })
            .AddSingleton(new LoadedPromotionPolicy(policy))
            .AddSingleton<IApprovalAuthenticator>(new SignedIsAuthentic())
            .AddSingleton<IPromotionDeadlines>(Deadlines)
            .AddSingleton<IMessagePrincipal>(new HarnessPrincipal())
            .AddSingleton(HarnessPrincipal.Policy)
            .AddSingleton<PromotionWorkflow>()
            .AddMassTransitTestHarness(x =>
            {
                x.AddSagaStateMachine<PromotionStateMachine, PromotionState>().InMemoryRepository();
                x.UsingInMemory((context, cfg) =>
                {
                    cfg.UseFilter(new InMemoryUnitOfWork(Store, Commits));
                    cfg.ConfigureEndpoints(context);
                });
            })
            .BuildServiceProvider(true);
        Harness = provider.GetRequiredService<ITestHarness>();
        await Harness.Start();
        Saga = Harness.GetSagaStateMachineHarness<PromotionStateMachine, PromotionState>();
    }

    public async Task DisposeAsync()
    {
        await Harness.Stop();
        await provider.DisposeAsync();
    }

    /// <summary>Publishes <paramref name="message"/> and waits until the saga has handled it and its unit of work committed.</summary>
    protected async Task SendAsync<T>(T message) where T : class
    {
        var messageId = NewId.NextGuid();
        var handled = Commits.Handled(messageId);
        await Harness.Bus.Publish(message, c => c.MessageId = messageId);
        await handled.WaitAsync(TimeSpan.FromSeconds(20));
        Assert.Empty(Commits.Faults);
    }

    /// <summary>Publishes <paramref name="message"/> as <paramref name="principal"/> (null: with no principal), as <see cref="SendAsync{T}"/>.</summary>
    protected async Task SendAsAsync<T>(string? principal, T message) where T : class
    {
        var messageId = NewId.NextGuid();
        var handled = Commits.Handled(messageId);
        await Harness.Bus.Publish(message, c =>
        {
            c.MessageId = messageId;
            c.Headers.Set(HarnessPrincipal.Header, principal ?? "");
        });
        await handled.WaitAsync(TimeSpan.FromSeconds(20));
        Assert.Empty(Commits.Faults);
    }

    /// <summary>The promotion's saga instance (it must exist).</summary>
    protected PromotionState Promotion(Guid promotionId) =>
        Saga.Sagas.Contains(promotionId) ?? throw new InvalidOperationException($"no promotion {promotionId}");

    protected string StateOf(Guid promotionId) => Promotion(promotionId).CurrentState;

    protected static RequestPromotion Request(string model, int version, string target, string requestedBy = "erin") => new()
    {
        PromotionId = Guid.NewGuid(), ModelName = model, Version = version, TargetStage = target, RequestedBy = requestedBy,
        Reason = "ready", ChangeTicket = "CHG-1",
    };

    /// <summary>
    /// A decision as an integration sends it: it names what the promotion's request named (model, version, stage, the
    /// version's manifest digest and the request's nonce, once approval was requested), decided now.
    /// </summary>
    protected ApprovalDecided Vote(Guid promotionId, string approver, string role, bool approved = true, string? signature = null)
    {
        var saga = Saga.Sagas.Contains(promotionId);
        var decision = new ApprovalDecided
        {
            PromotionId = promotionId, Integration = "desk", TicketId = "T-1", Approver = approver, Role = role,
            Decision = approved ? "approved" : "rejected", Comment = approved ? "fine" : "not ready", DecidedAt = Clock.GetUtcNow(),
            ModelName = saga?.ModelName ?? "", Version = saga?.ModelVersion ?? 0, TargetStage = saga?.TargetStage ?? "",
            ManifestDigest = saga is null ? "" : Store.Facts(saga.ModelName, saga.ModelVersion)?.ManifestDigest ?? "",
            Nonce = saga?.ApprovalNonce ?? "",
        };
        return signature is null ? SignedByDesk(decision) : decision with { Signature = signature };
    }

    /// <summary>The decision signed by the harness's integration "desk" (v2, or v1 without a nonce), as <see cref="SignedIsAuthentic"/> checks.</summary>
    protected static ApprovalDecided SignedByDesk(ApprovalDecided decision) => ApprovalSignature.IsV1(decision)
        ? ApprovalSignature.SignV1(decision, SignedIsAuthentic.DeskKey)
        : ApprovalSignature.Sign(decision, SignedIsAuthentic.DeskKey);

    protected static PromotionDeadlineReached Deadline(Guid promotionId, string kind, DateTimeOffset due) =>
        new() { PromotionId = promotionId, Deadline = kind, DueAt = due };

    protected static PromotionEvaluationArrived Evaluated(Guid promotionId) => new() { PromotionId = promotionId, EvaluationId = Guid.NewGuid() };

    protected static CancelPromotion Cancel(Guid promotionId) => new() { PromotionId = promotionId, CancelledBy = "erin", Reason = "not now" };

    /// <summary>The audit actions recorded for a promotion, in order.</summary>
    protected string[] AuditsOf(Guid promotionId) =>
        [.. Commits.Audits.Where(a => a.Subject == promotionId.ToString("D")).Select(a => a.Action)];

    protected T OnlyEvent<T>(Guid promotionId, Func<T, Guid> id) where T : class =>
        Assert.Single(Commits.Events.OfType<T>(), e => id(e) == promotionId);
}

/// <summary>
/// Authentic when signed with <see cref="DeskKey"/> (in the decision's form), else bad_signature; no allow-lists, no
/// directory (the real checks have their own specs).
/// </summary>
public sealed class SignedIsAuthentic : IApprovalAuthenticator
{
    public static readonly byte[] DeskKey = ApprovalSignature.SecretBytes("harness-desk-secret-0123456789abcdef-0123");

    public Rejection? Check(ApprovalDecided decision) =>
        IsAuthentic(decision) ? null : new(ApprovalRefusals.BadSignature, "signature: not the HMAC of the canonical fields");

    public bool IsAuthentic(ApprovalDecided decision) => ApprovalSignature.Verify(decision, DeskKey);

    /// <summary>One integration, "desk", whose signature of a request names its promotion and nonce.</summary>
    public IReadOnlyDictionary<string, string> SignRequest(ApprovalRequested request) =>
        new Dictionary<string, string> { ["desk"] = $"signed:{request.PromotionId:N}:{request.Nonce}" };

    public TimeSpan ClockSkew => TimeSpan.FromMinutes(5);
}

/// <summary>The deadlines the saga scheduled and cancelled.</summary>
public sealed class RecordingDeadlines : IPromotionDeadlines
{
    private readonly ConcurrentQueue<(Guid, string, DateTimeOffset)> scheduled = new();
    private readonly ConcurrentQueue<(Guid, string)> cancelled = new();

    public (Guid Id, string Kind, DateTimeOffset Due)[] Scheduled => [.. scheduled];
    public (Guid Id, string Kind)[] Cancelled => [.. cancelled];

    public Task ScheduleAsync(Guid promotionId, string kind, DateTimeOffset dueAt, CancellationToken cancellationToken)
    {
        scheduled.Enqueue((promotionId, kind, dueAt));
        return Task.CompletedTask;
    }

    public Task CancelAsync(Guid promotionId, string kind, CancellationToken cancellationToken)
    {
        cancelled.Enqueue((promotionId, kind));
        return Task.CompletedTask;
    }
}

/// <summary>What one message's unit of work queued.</summary>
public sealed class RecordingOutbox : IPromotionOutbox
{
    public List<object> Events { get; } = [];
    /// <summary>The ordering key each event was published with (null: none), by event.</summary>
    public Dictionary<object, string?> OrderingKeys { get; } = new(ReferenceEqualityComparer.Instance);
    public List<AuditAppend> Audits { get; } = [];
    public List<Func<CancellationToken, Task>> Before { get; } = [];
    public List<Func<CancellationToken, Task>> After { get; } = [];

    public void Publish<T>(T message, string? orderingKey = null) where T : class
    {
        Events.Add(message);
        OrderingKeys[message] = orderingKey;
    }

    public void Audit(AuditAppend record) => Audits.Add(record);
    public void BeforeCommit(Func<CancellationToken, Task> action) => Before.Add(action);
    public void AfterCommit(Func<CancellationToken, Task> action) => After.Add(action);
}

/// <summary>Every committed message's events and audit records, and a signal per handled message.</summary>
public sealed class CommitLog
{
    private readonly ConcurrentDictionary<Guid, TaskCompletionSource> handled = new();
    private readonly Lock gate = new();
    private readonly List<object> events = [];
    private readonly Dictionary<object, string?> orderingKeys = new(ReferenceEqualityComparer.Instance);
    private readonly List<AuditAppend> audits = [];
    private readonly List<Exception> faults = [];

    public object[] Events { get { lock (gate) return [.. events]; } }
    public AuditAppend[] Audits { get { lock (gate) return [.. audits]; } }

    /// <summary>The ordering key <paramref name="message"/> was committed with (null: none).</summary>
    public string? OrderingKeyOf(object message)
    {
        lock (gate) return orderingKeys[message];
    }
    public Exception[] Faults { get { lock (gate) return [.. faults]; } }

    public Task Handled(Guid messageId) => Signal(messageId).Task;

    public void Commit(RecordingOutbox outbox)
    {
        lock (gate)
        {
            events.AddRange(outbox.Events);
            foreach (var (message, key) in outbox.OrderingKeys) orderingKeys[message] = key;
            audits.AddRange(outbox.Audits);
        }
    }

    public void Fault(Exception e)
    {
        lock (gate) faults.Add(e);
    }

    public void Done(Guid? messageId)
    {
        if (messageId is { } id) Signal(id).TrySetResult();
    }

    private TaskCompletionSource Signal(Guid id) => handled.GetOrAdd(id, _ => new(TaskCreationOptions.RunContinuationsAsynchronously));
}

/// <summary>
/// The in-memory unit of work around each consumed message: gives the saga the store and a fresh outbox, then "commits" as
/// the PostgreSQL one does: before-commit work, events and audit records (the events are published, as the outbox relay
/// would), after-commit work.
/// </summary>
public sealed class InMemoryUnitOfWork(InMemoryPromotionStore store, CommitLog log) : IFilter<ConsumeContext>
{
    public async Task Send(ConsumeContext context, IPipe<ConsumeContext> next)
    {
        var outbox = new RecordingOutbox();
        context.AddOrUpdatePayload<IPromotionStore>(() => store, _ => store);
        context.AddOrUpdatePayload<IPromotionOutbox>(() => outbox, _ => outbox);
        try
        {
            await next.Send(context);
            foreach (var action in outbox.Before) await action(context.CancellationToken);
            log.Commit(outbox);
            foreach (var message in outbox.Events) await context.Publish(message, message.GetType());
            foreach (var action in outbox.After) await action(CancellationToken.None);
        }
        catch (Exception e)
        {
            log.Fault(e);
            throw;
        }
        finally
        {
            log.Done(context.MessageId);
        }
    }

    public void Probe(ProbeContext context) => context.CreateFilterScope("in-memory-unit-of-work");
}
