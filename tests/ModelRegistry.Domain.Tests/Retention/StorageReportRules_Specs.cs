using ModelRegistry.Platform.Artifacts;
using ModelRegistry.Retention.Rules;

namespace ModelRegistry.Domain.Tests.Retention;

/// <summary>The storage report's arithmetic (docs/retention.md, "Storage report"): tiers from the disk, each object once, cost and growth.</summary>
public class StorageReportRules_Specs
{
    private static readonly DateTimeOffset Now = new(2026, 12, 6, 12, 0, 0, TimeSpan.Zero);
    private static readonly StoragePrices Prices = new(0.02m, 0.004m, "USD");

    private static StoredObject Object(long size, ArtifactTier tier, string? model = "fraud", string? team = "risk", string? stage = "registered",
        DateTimeOffset? stored = null, DateTimeOffset? archived = null, DateTimeOffset? deleted = null) =>
        new(Guid.NewGuid().ToString("N") + Guid.NewGuid().ToString("N"), size, stored ?? Now.AddMonths(-1), model, team, stage, archived, deleted, tier);

    [Fact]
    public void Each_object_counts_in_the_tier_its_bytes_are_in_and_deleted_only_when_tombstoned_and_gone()
    {
        var report = StorageReportRules.Build(Guid.NewGuid(), [
            Object(1_000, ArtifactTier.Primary),
            Object(200, ArtifactTier.Archive, archived: Now.AddDays(-3)),
            // Re-registered after it was archived: its bytes are on both disks.
            Object(30, ArtifactTier.Primary | ArtifactTier.Archive, archived: Now.AddDays(-3)),
            Object(4, ArtifactTier.None, deleted: Now.AddDays(-1)),
            // Gone without a tombstone (lost, not deleted by retention): on no disk and not deleted either.
            Object(50_000, ArtifactTier.None),
        ], Prices, Now);

        Assert.Equal((1_030L, 230L, 4L), (report.StoredBytes, report.ArchivedBytes, report.DeletedBytes));
        Assert.Equal(("USD", Now), (report.Currency, report.GeneratedAt));
    }

    [Fact]
    public void The_cost_is_per_GB_month_with_GB_10_to_the_9_bytes()
    {
        Assert.Equal(0.02m + 0.004m * 3, StorageReportRules.MonthlyCost(1_000_000_000, 3_000_000_000, Prices));
        Assert.Equal(0.0001m, StorageReportRules.MonthlyCost(5_000_000, 0, Prices));
        var report = StorageReportRules.Build(Guid.NewGuid(), [Object(2_000_000_000, ArtifactTier.Primary), Object(500_000_000, ArtifactTier.Archive)], Prices, Now);
        Assert.Equal(0.042m, report.MonthlyCost);
    }

    [Fact]
    public void Lines_by_team_stage_and_model_add_up_to_the_totals_and_unreferenced_objects_have_their_own_key()
    {
        var report = StorageReportRules.Build(Guid.NewGuid(), [
            Object(100, ArtifactTier.Primary, "fraud", "risk", "production"),
            Object(10, ArtifactTier.Archive, "fraud-old", "risk", "registered"),
            Object(7, ArtifactTier.Primary, "churn", "growth", "staging"),
            Object(1, ArtifactTier.Primary, null, null, null),
        ], Prices, Now);

        Assert.Equal(["(unreferenced)", "growth", "risk"], report.ByTeam.Select(l => l.Key));
        Assert.Equal((100L, 10L), (report.ByTeam[2].StoredBytes, report.ByTeam[2].ArchivedBytes));
        Assert.Equal(["registered", "staging", "production", "(unreferenced)"], report.ByStage.Select(l => l.Key));
        Assert.Equal(["fraud", "fraud-old", "churn", "(unreferenced)"], report.TopModels.Select(l => l.Key));
        Assert.Equal(report.StoredBytes, report.ByTeam.Sum(l => l.StoredBytes));
        Assert.Equal(report.ArchivedBytes, report.ByStage.Sum(l => l.ArchivedBytes));
    }

    [Fact]
    public void Top_models_are_the_100_largest_with_bytes_on_disk()
    {
        var objects = Enumerable.Range(1, 150).Select(i => Object(i, ArtifactTier.Primary, $"m{i:000}")).Append(Object(9, ArtifactTier.None, "gone", deleted: Now)).ToList();
        var top = StorageReportRules.Build(Guid.NewGuid(), objects, Prices, Now).TopModels;
        Assert.Equal(100, top.Count);
        Assert.Equal(("m150", "m051"), (top[0].Key, top[^1].Key));
        Assert.DoesNotContain(top, l => l.Key == "gone");
    }

    [Fact]
    public void Growth_gives_the_bytes_at_the_end_of_each_of_the_last_12_months_from_the_records()
    {
        var growth = StorageReportRules.Build(Guid.NewGuid(), [
            Object(1_000, ArtifactTier.Primary, stored: new(2026, 2, 10, 0, 0, 0, TimeSpan.Zero)),
            Object(200, ArtifactTier.None, stored: new(2026, 5, 1, 0, 0, 0, TimeSpan.Zero), archived: new(2026, 8, 15, 0, 0, 0, TimeSpan.Zero),
                deleted: new(2026, 11, 30, 23, 0, 0, TimeSpan.Zero)),
            Object(5, ArtifactTier.Primary, stored: Now.AddHours(-1)),
            Object(9, ArtifactTier.Primary, stored: new(2025, 1, 1, 0, 0, 0, TimeSpan.Zero)),
        ], Prices, Now).Growth;

        Assert.Equal(12, growth.Count);
        Assert.Equal(("2026-01", "2026-12"), (growth[0].Month, growth[^1].Month));
        var at = growth.ToDictionary(m => m.Month, m => (m.StoredBytes, m.ArchivedBytes, m.DeletedBytes));
        Assert.Equal((9L, 0L, 0L), at["2026-01"]);
        Assert.Equal((1_009L, 0L, 0L), at["2026-02"]);
        Assert.Equal((1_209L, 0L, 0L), at["2026-07"]);
        Assert.Equal((1_009L, 200L, 0L), at["2026-08"]);
        Assert.Equal((1_009L, 0L, 200L), at["2026-11"]);
        Assert.Equal((1_014L, 0L, 200L), at["2026-12"]);
    }

    [Fact]
    public void The_current_month_ends_now_and_the_others_at_their_last_instant()
    {
        var ends = StorageReportRules.MonthEnds(Now);
        Assert.Equal(("2026-12", Now), ends[^1]);
        Assert.Equal(("2026-11", new DateTimeOffset(2026, 12, 1, 0, 0, 0, TimeSpan.Zero)), ends[^2]);
        Assert.Equal(("2026-01", new DateTimeOffset(2026, 2, 1, 0, 0, 0, TimeSpan.Zero)), ends[0]);
    }
}
