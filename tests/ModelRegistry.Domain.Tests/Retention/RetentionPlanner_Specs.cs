using ModelRegistry.Retention.Rules;

namespace ModelRegistry.Domain.Tests.Retention;

/// <summary>The planner's cases the properties found (RetentionPlanner_Properties), each on its own.</summary>
public class RetentionPlanner_Specs
{
    private static readonly DateTimeOffset Now = new(2026, 6, 1, 0, 0, 0, TimeSpan.Zero);
    private static readonly RetentionPolicy Policy = new([new RetentionRule("experiments", null, null, null, 30, 0, 10)]);

    private static VersionFacts Version(int number, string model = "churn", Guid? baseId = null, string? sha = null, bool production = false,
        RetentionState state = RetentionState.Stored, int archivedDaysAgo = 0) =>
        new(new Guid(number, (short)model[0], (short)model[^1], new byte[8]), model, number, "ranking", new Dictionary<string, string>(), Now.AddDays(-400), 10 - number,
            production, production, false, false, false, baseId, [new(sha ?? $"sha-{model}-{number}", 1_000 * number)], state,
            state == RetentionState.Stored ? null : Now.AddDays(-archivedDaysAgo));

    [Fact]
    public void A_kept_versions_base_chain_runs_on_through_a_deleted_version()
    {
        // v1 <- v2 (deleted) <- v3 (production): v1 is v3's base through v2, archived and due for deletion.
        var v1 = Version(1, state: RetentionState.Archived, archivedDaysAgo: 100);
        var v2 = Version(2, baseId: v1.VersionId, state: RetentionState.Deleted, archivedDaysAgo: 100);
        var v3 = Version(3, baseId: v2.VersionId, production: true);
        var v4 = Version(4, state: RetentionState.Archived, archivedDaysAgo: 100);

        var plan = RetentionPlanner.Plan([v1, v2, v3, v4], Policy, Now);

        Assert.Equal(KeepReasons.BaseOfKept, plan.KeptReasonOf(v1.VersionId));
        Assert.Null(plan.ActionFor(v1.VersionId));
        Assert.Equal(KeepReasons.Production, plan.KeptReasonOf(v3.VersionId));
        Assert.Equal(v4.VersionId, Assert.Single(plan.Delete).VersionId);
        Assert.Null(plan.KeptReasonOf(v2.VersionId));
    }

    [Fact]
    public void A_stored_base_of_a_kept_version_is_not_archived_through_a_deleted_version_either()
    {
        var v1 = Version(1);
        var v2 = Version(2, baseId: v1.VersionId, state: RetentionState.Deleted, archivedDaysAgo: 100);
        var v3 = Version(3, model: "fraud", baseId: v2.VersionId, production: true);

        var plan = RetentionPlanner.Plan([v1, v2, v3], Policy, Now);

        Assert.Empty(plan.Archive);
        Assert.Equal(KeepReasons.BaseOfKept, plan.KeptReasonOf(v1.VersionId));
    }

    [Fact]
    public void Shared_bytes_count_on_the_first_version_by_model_and_number_whatever_the_order_of_the_facts()
    {
        var a1 = Version(1, model: "alpha", sha: "shared");
        var a2 = Version(2, model: "alpha");
        var b1 = Version(1, model: "beta", sha: "shared");
        var expected = new[] { (a1.VersionId, 1_000L), (a2.VersionId, 2_000L), (b1.VersionId, 0L) };

        foreach (var order in new[] { new[] { a1, a2, b1 }, [b1, a2, a1], [a2, b1, a1] })
        {
            var plan = RetentionPlanner.Plan(order, Policy, Now);
            Assert.Equal(expected, plan.Archive.Select(a => (a.VersionId, a.Bytes)));
        }
    }

    [Fact]
    public void The_reason_a_version_is_kept_is_the_first_that_reaches_it_in_model_and_number_order()
    {
        // b1 is both the base of a production version (a2) and a sharer of another (a1): a1 comes first.
        var b1 = Version(1, model: "beta", sha: "shared");
        var a1 = Version(1, model: "alpha", sha: "shared", production: true);
        var a2 = Version(2, model: "alpha", baseId: b1.VersionId, production: true);

        Assert.Equal(KeepReasons.SharesBytes, RetentionPlanner.Plan([a1, a2, b1], Policy, Now).KeptReasonOf(b1.VersionId));
        Assert.Equal(KeepReasons.SharesBytes, RetentionPlanner.Plan([b1, a2, a1], Policy, Now).KeptReasonOf(b1.VersionId));
    }
}
