using Dapper;
using MassTransit;
using MassTransit.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using ModelRegistry.Platform.Identity;
using ModelRegistry.Promotion;
using ModelRegistry.Contracts.Promotion;
using ModelRegistry.Promotion.Approvals;
using ModelRegistry.Promotion.Rules;
using ModelRegistry.Testing;

namespace ModelRegistry.Components.Tests;

/// <summary>
/// The promotion saga in MassTransit's in-memory harness, on its real repository and database, with time moved by a
/// <see cref="FakeTimeProvider"/> and the Quartz deadlines replaced by a recorder: when a deadline counts.
/// </summary>
public class PromotionDeadline_Specs(IsolatedEnvironment env) : IClassFixture<IsolatedEnvironment>, IAsyncLifetime
{
    private static readonly DateTimeOffset Start = new(2026, 11, 26, 12, 0, 0, TimeSpan.Zero);
    private readonly FakeTimeProvider clock = new(Start);
    private readonly RecordingDeadlines deadlines = new();
    private ServiceProvider provider = null!;
    private ITestHarness harness = null!;

    public async Task InitializeAsync()
    {
        var policy = PromotionPolicy.Parse(TestPolicies.Standard(approvalTimeout: "PT1H")).Policy!;
        provider = new ServiceCollection()
            .AddLogging()
            .AddSingleton(env.DataSource)
            .AddSingleton<TimeProvider>(clock)
            .AddSingleton(new PromotionOptions { PolicyFile = "test" })
            .AddSingleton(new LoadedPromotionPolicy(policy))
            .AddSingleton<IApprovalAuthenticator>(new ConfiguredApprovalAuthenticator(new TicketingOptions(), ApproverDirectory.Of()))
            .AddSingleton<IPromotionDeadlines>(deadlines)
            .AddSingleton<IMessagePrincipal>(new HarnessPrincipal())
            .AddSingleton(HarnessPrincipal.Policy)
            .AddSingleton<PromotionWorkflow>()
            .AddMassTransitTestHarness(x => x.AddSagaStateMachine<PromotionStateMachine, PromotionState>()
                .Repository(PromotionSagaRepositoryContextFactory.Register))
            .BuildServiceProvider(true);
        harness = provider.GetRequiredService<ITestHarness>();
        await harness.Start();
    }

    public async Task DisposeAsync()
    {
        await harness.Stop();
        await provider.DisposeAsync();
    }

    /// <summary>A high-tier version already in staging: its production promotion waits for two approvals, one hour.</summary>
    private async Task<string> StagedVersionAsync()
    {
        var model = "timed-" + Guid.NewGuid().ToString("N")[..8];
        await using var c = await env.DataSource.OpenConnectionAsync();
        var (modelId, versionId) = (Guid.NewGuid(), Guid.NewGuid());
        await c.ExecuteAsync("""
            INSERT INTO registry.models (model_id, name, owner_team, risk_tier) VALUES (@modelId, @model, 'team', 'high');
            INSERT INTO registry.model_versions (version_id, model_id, version, manifest_digest, idempotency_key, owner_team, risk_tier, trained_at)
            VALUES (@versionId, @modelId, 1, 'sha256:' || repeat('a', 64), 'k', 'team', 'high', now());
            INSERT INTO registry.version_stages (version_id, model_id, version, stage, since, cause, cause_id)
            VALUES (@versionId, @modelId, 1, 'staging', now(), 'promotion', gen_random_uuid());
            """, new { modelId, versionId, model });
        return model;
    }

    private async Task<PromotionState> AfterAsync(Guid promotionId, int version)
    {
        await using var c = await env.DataSource.OpenConnectionAsync();
        return await Eventually.UntilAsync(() => PromotionStore.LoadAsync(c, null, promotionId, default)!,
            s => s is not null && s.Version >= version, TimeSpan.FromSeconds(30), $"promotion {promotionId} at version {version}")
            ?? throw new InvalidOperationException("no promotion");
    }

    [Fact]
    public async Task An_approval_deadline_counts_only_once_its_time_has_come_on_the_clock_and_only_for_the_deadline_it_names()
    {
        var model = await StagedVersionAsync();
        var request = new RequestPromotion
        {
            PromotionId = Guid.NewGuid(), ModelName = model, Version = 1, TargetStage = "production", RequestedBy = "erin", Reason = "r",
        };
        await harness.Bus.Publish(request);
        var waiting = await AfterAsync(request.PromotionId, 1);
        Assert.Equal("AwaitingApproval", waiting.CurrentState);
        var due = Start.AddHours(1);
        Assert.Equal(due, waiting.ApprovalDeadline);
        Assert.Contains((request.PromotionId, DeadlineKinds.Approval, due), deadlines.Scheduled);

        // Fired early (clocks disagree): still waiting, and put back for its time.
        clock.Advance(TimeSpan.FromMinutes(30));
        await harness.Bus.Publish(new PromotionDeadlineReached { PromotionId = request.PromotionId, Deadline = DeadlineKinds.Approval, DueAt = due });
        Assert.Equal("AwaitingApproval", (await AfterAsync(request.PromotionId, 2)).CurrentState);
        Assert.Equal(2, deadlines.Scheduled.Count(s => s == (request.PromotionId, DeadlineKinds.Approval, due)));

        // A deadline this promotion no longer has (another due time) is stale, even when its time has come.
        clock.Advance(TimeSpan.FromHours(2));
        await harness.Bus.Publish(new PromotionDeadlineReached { PromotionId = request.PromotionId, Deadline = DeadlineKinds.Approval, DueAt = due.AddMinutes(-5) });
        Assert.Equal("AwaitingApproval", (await AfterAsync(request.PromotionId, 3)).CurrentState);

        await harness.Bus.Publish(new PromotionDeadlineReached { PromotionId = request.PromotionId, Deadline = DeadlineKinds.Approval, DueAt = due });
        var expired = await AfterAsync(request.PromotionId, 4);
        Assert.Equal(("Expired", "approval_timeout"), (expired.CurrentState, expired.OutcomeCode));
        Assert.Equal(clock.GetUtcNow(), expired.FinishedAt);
        await Eventually.UntilAsync(() => Task.FromResult(deadlines.Cancelled.Length), n => n > 0, TimeSpan.FromSeconds(10), "deadline cancelled");
        Assert.Contains((request.PromotionId, DeadlineKinds.Approval), deadlines.Cancelled);
    }
}
