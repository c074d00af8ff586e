using ModelRegistry.Platform;
using ModelRegistry.Promotion;
using ModelRegistry.Testing;

namespace ModelRegistry.Persistence.Tests.Promotion;

/// <summary>The saga row's optimistic concurrency: the second of two writers that read the same version loses.</summary>
public class PromotionStore_Specs(IsolatedEnvironment env) : IClassFixture<IsolatedEnvironment>
{
    private static PromotionState NewPromotion() => new()
    {
        CorrelationId = Guid.NewGuid(),
        CurrentState = "AwaitingApproval",
        ModelName = "m-" + Guid.NewGuid().ToString("N")[..8],
        ModelVersion = 1,
        TargetStage = "production",
        RequestedBy = "erin",
        Reason = "r",
        RequestedAt = DateTimeOffset.UtcNow,
    };

    [Fact]
    public async Task Of_two_writers_that_read_the_same_version_the_second_is_refused_and_the_first_update_stands()
    {
        var promotion = NewPromotion();
        await using (var setup = await UnitOfWork.BeginAsync(env.DataSource, default))
        {
            await PromotionStore.InsertAsync(setup, promotion, DateTimeOffset.UtcNow, default);
            await setup.CommitAsync(DateTimeOffset.UtcNow, default);
        }

        await using var one = await UnitOfWork.BeginAsync(env.DataSource, default);
        await using var two = await UnitOfWork.BeginAsync(env.DataSource, default);
        var a = (await PromotionStore.LoadAsync(one.Connection, one.Transaction, promotion.CorrelationId, default))!;
        var b = (await PromotionStore.LoadAsync(two.Connection, two.Transaction, promotion.CorrelationId, default))!;
        a.Votes.Add(new PromotionVote("alice", "model-risk-officer", true, "desk", "T-1", "", DateTimeOffset.UtcNow));
        b.Votes.Add(new PromotionVote("bob", "security-review", true, "desk", "T-2", "", DateTimeOffset.UtcNow));

        Assert.True(await PromotionStore.TryUpdateAsync(one, a, DateTimeOffset.UtcNow, default));
        await one.CommitAsync(DateTimeOffset.UtcNow, default);
        Assert.False(await PromotionStore.TryUpdateAsync(two, b, DateTimeOffset.UtcNow, default));

        await using var c = await env.DataSource.OpenConnectionAsync();
        var stored = (await PromotionStore.LoadAsync(c, null, promotion.CorrelationId, default))!;
        Assert.Equal(2, stored.Version);
        Assert.Equal(["alice"], stored.Votes.Select(v => v.Approver));
    }

    [Fact]
    public async Task A_row_round_trips_with_its_votes_deadlines_and_outcome()
    {
        var promotion = NewPromotion();
        promotion.ApprovalDeadline = new DateTimeOffset(2026, 12, 1, 10, 0, 0, TimeSpan.Zero);
        promotion.Votes.Add(new PromotionVote("alice", "model-risk-officer", false, "desk", "T-1", "no", promotion.ApprovalDeadline.Value));
        promotion.OutcomeCode = "approval_rejected";
        await using (var work = await UnitOfWork.BeginAsync(env.DataSource, default))
        {
            await PromotionStore.InsertAsync(work, promotion, DateTimeOffset.UtcNow, default);
            await work.CommitAsync(DateTimeOffset.UtcNow, default);
        }
        await using var c = await env.DataSource.OpenConnectionAsync();
        var stored = (await PromotionStore.LoadAsync(c, null, promotion.CorrelationId, default))!;
        Assert.Equal(promotion.ApprovalDeadline, stored.ApprovalDeadline);
        Assert.Equal("approval_rejected", stored.OutcomeCode);
        var vote = Assert.Single(stored.Votes);
        Assert.Equal(("alice", false, "no"), (vote.Approver, vote.Approved, vote.Comment));
    }
}
