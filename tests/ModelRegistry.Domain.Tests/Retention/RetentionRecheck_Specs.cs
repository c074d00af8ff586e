using ModelRegistry.Retention.Rules;

namespace ModelRegistry.Domain.Tests.Retention;

/// <summary>The re-check an archive or delete action runs at its moment, over the facts of the version's closure.</summary>
public class RetentionRecheck_Specs
{
    private static readonly DateTimeOffset Now = new(2026, 12, 6, 12, 0, 0, TimeSpan.Zero);
    private static readonly RetentionPolicy Policy = new([new RetentionRule("experiments", null, null, null, 30, 0, 10)]);

    [Fact]
    public void An_old_experimental_version_is_still_archived_by_its_rule()
    {
        var v = Version("a", 1, "sha-a1");

        var decision = RetentionRecheck.Archive([v], Policy, Now, v.VersionId);

        Assert.True(decision.Proceed);
        Assert.Equal(("archive", "experiments"), (decision.Action!.Action, decision.Action.Rule));
    }

    [Fact]
    public void A_version_promoted_to_production_since_the_plan_is_kept_by_production()
    {
        var v = Version("a", 1, "sha-a1") with { EverProduction = true };

        var decision = RetentionRecheck.Archive([v], Policy, Now, v.VersionId);

        Assert.False(decision.Proceed);
        Assert.Equal(KeepReasons.Production, decision.KeptBy);
    }

    [Fact]
    public void The_base_of_a_version_that_serves_now_is_kept_and_so_is_a_version_sharing_its_bytes()
    {
        var baseVersion = Version("a", 1, "sha-a1");
        var fineTuned = Version("b", 1, "sha-b1") with { BaseVersionId = baseVersion.VersionId, ServingNow = true };
        var sharer = Version("c", 1, "sha-a1");
        IReadOnlyList<VersionFacts> closure = [baseVersion, fineTuned, sharer];

        Assert.Equal(KeepReasons.BaseOfKept, RetentionRecheck.Archive(closure, Policy, Now, baseVersion.VersionId).KeptBy);
        Assert.Equal(KeepReasons.SharesBytes, RetentionRecheck.Archive(closure, Policy, Now, sharer.VersionId).KeptBy);
    }

    [Theory]
    [InlineData(RetentionState.Archived, RetentionRecheck.AlreadyArchived)]
    [InlineData(RetentionState.Deleting, RetentionRecheck.AlreadyArchived)]
    [InlineData(RetentionState.Deleted, RetentionRecheck.AlreadyDeleted)]
    public void An_archive_of_a_version_no_longer_in_the_primary_store_is_moot(RetentionState state, string keptBy)
    {
        var v = Version("a", 1, "sha-a1") with { State = state, ArchivedAt = Now.AddDays(-1) };

        Assert.Equal(keptBy, RetentionRecheck.Archive([v], Policy, Now, v.VersionId).KeptBy);
    }

    [Fact]
    public void An_unknown_version_is_skipped_as_such()
    {
        Assert.Equal(RetentionRecheck.UnknownVersion, RetentionRecheck.Archive([], Policy, Now, Guid.NewGuid()).KeptBy);
        Assert.Equal(RetentionRecheck.UnknownVersion, RetentionRecheck.Delete([], Policy, Now, Guid.NewGuid()).KeptBy);
    }

    [Fact]
    public void A_delete_goes_ahead_with_every_archived_sharer_due_too_and_takes_them_all()
    {
        var one = Archived("a", 1, "sha-x", "sha-a1");
        var two = Archived("b", 1, "sha-x", "sha-b1");
        var three = Archived("c", 1, "sha-b1");
        var unrelated = Archived("d", 1, "sha-d1");
        IReadOnlyList<VersionFacts> closure = [one, two, three, unrelated];

        var decision = RetentionRecheck.Delete(closure, Policy, Now, one.VersionId);

        Assert.True(decision.Proceed);
        Assert.Equal(new[] { one, two, three }.Select(v => v.VersionId).Order(), RetentionRecheck.SharingComponent(closure, one.VersionId).Select(v => v.VersionId));
        Assert.Equal(["sha-a1", "sha-b1", "sha-x"], RetentionRecheck.DistinctObjects(RetentionRecheck.SharingComponent(closure, one.VersionId)).Select(o => o.Sha256));
    }

    [Fact]
    public void A_delete_waits_while_a_sharer_is_held_or_not_due()
    {
        var one = Archived("a", 1, "sha-x");
        var held = Version("b", 1, "sha-x") with { Held = true };
        Assert.Equal(KeepReasons.SharesBytes, RetentionRecheck.Delete([one, held], Policy, Now, one.VersionId).KeptBy);

        var recent = Archived("c", 1, "sha-x") with { ArchivedAt = Now.AddDays(-1) };
        Assert.Equal(KeepReasons.SharesBytesNotDue, RetentionRecheck.Delete([one, recent], Policy, Now, one.VersionId).KeptBy);
    }

    [Fact]
    public void A_delete_before_the_delay_or_of_bytes_never_archived_does_nothing()
    {
        var recent = Archived("a", 1, "sha-a1") with { ArchivedAt = Now.AddDays(-9) };
        Assert.Equal(KeepReasons.DeleteNotDue, RetentionRecheck.Delete([recent], Policy, Now, recent.VersionId).KeptBy);

        var stored = Version("b", 1, "sha-b1");
        Assert.Equal(RetentionRecheck.NotArchived, RetentionRecheck.Delete([stored], Policy, Now, stored.VersionId).KeptBy);

        var deleted = Archived("c", 1, "sha-c1") with { State = RetentionState.Deleted };
        Assert.Equal(RetentionRecheck.AlreadyDeleted, RetentionRecheck.Delete([deleted], Policy, Now, deleted.VersionId).KeptBy);
    }

    [Fact]
    public void A_decided_deletion_resumes_without_being_decided_again()
    {
        var deleting = Archived("a", 1, "sha-a1") with { State = RetentionState.Deleting, Held = true };

        Assert.True(RetentionRecheck.Resumes([deleting], deleting.VersionId));
        Assert.False(RetentionRecheck.Resumes([deleting with { State = RetentionState.Archived }], deleting.VersionId));
    }

    private static VersionFacts Archived(string model, int version, params string[] shas) =>
        Version(model, version, shas) with { State = RetentionState.Archived, ArchivedAt = Now.AddDays(-11) };

    private static VersionFacts Version(string model, int version, params string[] shas) => new(
        Guid.NewGuid(), model, version, "team", new Dictionary<string, string>(), Now.AddDays(-100), 1, false, false, false, false, false, null,
        shas.Select(s => new ObjectRef(s, 100)).ToList(), RetentionState.Stored, null);
}
