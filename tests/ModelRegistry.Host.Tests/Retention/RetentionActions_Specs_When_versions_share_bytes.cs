using Dapper;
using ModelRegistry.Contracts;
using ModelRegistry.Contracts.Retention;
using ModelRegistry.Platform.Artifacts;
using ModelRegistry.Retention.Rules;

namespace ModelRegistry.Host.Tests.Retention;

/// <summary>
/// Archived versions that share an object are deleted together (deleting the object takes it from each), and a deletion
/// interrupted after its decision (state deleting) is finished by the next delivery, once.
/// </summary>
public class RetentionActions_Specs_When_versions_share_bytes(RetentionRegistry registry) : IClassFixture<RetentionRegistry>
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task A_deletion_interrupted_after_its_decision_is_finished_for_every_sharer_and_counted_once()
    {
        const string model = "ret-shared";
        var weights = "weights both runs share"u8.ToArray();
        var one = await registry.RegisterAsync(model, "run-1", weights);
        var two = await registry.RegisterAsync(model, "run-2", weights);
        var objects = one.Trained.Artifact!.Files.Concat(two.Trained.Artifact!.Files).DistinctBy(f => f.Sha256).ToList();
        Assert.Equal(3, objects.Count);

        var (archive, _, _) = await registry.PlanSweepAsync(model);
        Assert.Equal(2, archive.Count);
        foreach (var action in archive) await registry.Observer.PublishAsync(action);
        var archived = new List<ModelVersionArchived>();
        foreach (var action in archive)
            archived.Add(await registry.Observer.WaitForAsync<ModelVersionArchived>(e => e.ActionId == action.ActionId, Wait));
        // The shared weights are counted by whichever action moved them, once.
        Assert.Equal(objects.Sum(f => f.Size), archived.Sum(e => e.BytesMoved));
        Assert.All(objects, f => Assert.Equal(ArtifactTier.Archive, registry.Store.Locate(f.Sha256)));

        var ids = new[] { one.Registered.ModelVersionId, two.Registered.ModelVersionId };
        await using var c = await registry.DataSource.OpenConnectionAsync();
        await c.ExecuteAsync("UPDATE registry.version_retention SET archived_at = archived_at - interval '2 days' WHERE version_id = ANY(@ids)", new { ids });
        var (_, delete, _) = await registry.PlanSweepAsync(model);
        Assert.Equal([1, 2], delete.Select(d => d.Version));
        // Version 1's action decided (step 1 committed: both versions deleting) and its worker died before deleting anything.
        await c.ExecuteAsync("UPDATE registry.version_retention SET state = 'deleting', delete_rule = 'experiments', delete_sweep = @sweep WHERE version_id = ANY(@ids)",
            new { ids, sweep = delete[0].SweepId });

        await registry.Observer.PublishAsync(delete[0]);
        var deleted = await registry.Observer.WaitForAsync<ArchivedArtifactDeleted>(e => e.ActionId == delete[0].ActionId, Wait);
        await registry.Observer.PublishAsync(delete[1]);
        var skipped = await registry.Observer.WaitForAsync<RetentionActionSkipped>(e => e.ActionId == delete[1].ActionId, Wait);

        Assert.Equal(objects.Sum(f => f.Size), deleted.BytesFreed);
        Assert.Equal((RetentionRecheck.AlreadyDeleted, "delete"), (skipped.KeptBy, skipped.Action));
        Assert.All(objects, f => Assert.Equal(ArtifactTier.None, registry.Store.Locate(f.Sha256)));
        Assert.Equal(["deleted", "deleted"], await c.QueryAsync<string>("SELECT state FROM registry.version_retention WHERE version_id = ANY(@ids)", new { ids }));
        var tombstones = (await c.QueryAsync<(Guid VersionId, string Path)>(
            "SELECT version_id, path FROM registry.artifact_tombstones WHERE version_id = ANY(@ids)", new { ids })).ToList();
        Assert.Equal(4, tombstones.Count);
        Assert.Equal(2, tombstones.Count(t => t.VersionId == two.Registered.ModelVersionId));
        var audit = Assert.Single(await registry.AuditAsync("retention.deleted", $"{model}/1"));
        Assert.Contains($"\"alsoDeleted\": [\"{model}/2\"]", audit.Details, StringComparison.Ordinal);
        Assert.Empty(await registry.AuditAsync("retention.deleted", $"{model}/2"));
        Assert.Single(await registry.AuditAsync("retention.skipped", $"{model}/2"));
    }
}
