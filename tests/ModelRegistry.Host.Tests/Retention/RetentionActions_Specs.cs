using Dapper;
using ModelRegistry.Contracts;
using ModelRegistry.Contracts.Promotion;
using ModelRegistry.Contracts.Retention;
using ModelRegistry.Host.Tests.Promotion;
using ModelRegistry.Platform.Artifacts;
using ModelRegistry.Retention.Rules;
using ModelRegistry.Testing;

namespace ModelRegistry.Host.Tests.Retention;

/// <summary>
/// The archive and delete actions over the real broker and database, sent as the sweep sends them (the workers' user):
/// every keep rule is checked again at the moment of the action, bytes move to the archive tier and stay readable, deletion
/// leaves tombstones and every record, a redelivered action does nothing twice, and a client cannot send an action.
/// </summary>
public class RetentionActions_Specs(RetentionRegistry registry) : IClassFixture<RetentionRegistry>
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task A_version_promoted_between_the_plan_and_its_action_is_kept_and_the_others_are_archived_and_still_fetch_and_verify()
    {
        const string model = "ret-promoted";
        var versions = new List<(ModelVersionRegistered Registered, ModelTrained Trained)>();
        for (var i = 1; i <= 3; i++) versions.Add(await registry.RegisterAsync(model, $"run-{i}"));
        var (archive, _, plan) = await registry.PlanSweepAsync(model);
        Assert.Equal([1, 2, 3], archive.Select(a => a.Version));

        // Between the plan and its actions, version 2 reaches production through the promotion worker.
        Assert.IsType<ModelVersionPromoted>(await PromotionSteps.PromoteAsync(registry, PromotionSteps.Request(model, 2, "production")));
        foreach (var action in archive) await registry.Observer.PublishAsync(action);

        var skipped = await registry.Observer.WaitForAsync<RetentionActionSkipped>(e => e.ActionId == archive[1].ActionId, Wait);
        Assert.Equal((KeepReasons.Production, "archive", model, 2), (skipped.KeptBy, skipped.Action, skipped.ModelName, skipped.Version));
        var archived = new List<ModelVersionArchived>();
        foreach (var action in new[] { archive[0], archive[2] })
            archived.Add(await registry.Observer.WaitForAsync<ModelVersionArchived>(e => e.ActionId == action.ActionId, Wait));
        Assert.All(archived, e => Assert.Equal("experiments", e.Rule));
        Assert.Equal([Bytes(versions[0].Trained), Bytes(versions[2].Trained)], archived.Select(e => e.BytesMoved));

        Assert.All(Files(versions[1].Trained), f => Assert.Equal(ArtifactTier.Primary, registry.Store.Locate(f.Sha256)));
        foreach (var v in new[] { versions[0], versions[2] })
            Assert.All(Files(v.Trained), f => Assert.Equal(ArtifactTier.Archive, registry.Store.Locate(f.Sha256)));
        Assert.Equal(("skipped", (string?)KeepReasons.Production), await registry.ActionAsync(archive[1].ActionId));
        Assert.Equal(("done", (string?)null), await registry.ActionAsync(archive[0].ActionId));
        var skipAudit = Assert.Single(await registry.AuditAsync("retention.skipped", $"{model}/2"));
        Assert.Equal("svc:retention", skipAudit.Actor);
        Assert.Contains("\"keptBy\": \"production\"", skipAudit.Details, StringComparison.Ordinal);
        Assert.Single(await registry.AuditAsync("retention.archived", $"{model}/1"));
        Assert.Single(await registry.AuditAsync("retention.archived", $"{model}/3"));

        // mreg reads archived bytes from the archive tier.
        var (verifyExit, verifyOutput) = await registry.MregAsync("artifact", "verify", model, "1");
        Assert.True(verifyExit == 0, verifyOutput);
        Assert.Contains("verify: ok", verifyOutput, StringComparison.Ordinal);
        var to = Path.Combine(Path.GetDirectoryName(registry.ArtifactsRoot)!, "fetched-" + Guid.NewGuid().ToString("N")[..8]);
        var (fetchExit, fetchOutput) = await registry.MregAsync("artifact", "fetch", model, "1", "--to", to);
        Assert.True(fetchExit == 0, fetchOutput);
        foreach (var f in Files(versions[0].Trained))
            Assert.Equal(await File.ReadAllBytesAsync(new Uri(f.SourceUri).LocalPath), await File.ReadAllBytesAsync(Path.Combine(to, f.Path)));
    }

    [Fact]
    public async Task A_redelivered_action_does_nothing_twice()
    {
        const string model = "ret-redelivered";
        var (_, trained) = await registry.RegisterAsync(model, "run-1");
        var (archive, _, _) = await registry.PlanSweepAsync(model);
        var action = Assert.Single(archive);
        await registry.Observer.PublishAsync(action);
        var first = await registry.Observer.WaitForAsync<ModelVersionArchived>(e => e.ActionId == action.ActionId, Wait);

        await registry.Observer.PublishAsync(action);
        await registry.Host.WaitForOutputAsync($"Archive action {action.ActionId} was already carried out", Wait);

        Assert.Equal(Bytes(trained), first.BytesMoved);
        Assert.Single(await registry.AuditAsync("retention.archived", $"{model}/1"));
        Assert.Single(registry.Observer.All<ModelVersionArchived>(), e => e.ActionId == action.ActionId);
        await using var c = await registry.DataSource.OpenConnectionAsync();
        Assert.Equal(first.ArchivedAt.UtcDateTime, await c.ExecuteScalarAsync<DateTime>(
            "SELECT archived_at FROM registry.version_retention WHERE version_id = @VersionId", new { action.VersionId }), TimeSpan.FromMilliseconds(1));
        Assert.All(Files(trained), f => Assert.Equal(ArtifactTier.Archive, registry.Store.Locate(f.Sha256)));
    }

    [Fact]
    public async Task A_delete_action_leaves_tombstones_and_every_record_and_removes_only_the_archived_bytes()
    {
        const string model = "ret-deleted";
        var (registered, trained) = await registry.RegisterAsync(model, "run-1");
        await registry.Observer.PublishAsync(PromotionSteps.Evaluation(model, 1, accuracy: 0.9));
        await registry.Observer.WaitForAsync<EvaluationRecorded>(e => e.ModelName == model, Wait);
        var (archive, _, _) = await registry.PlanSweepAsync(model);
        await registry.Observer.PublishAsync(Assert.Single(archive));
        await registry.Observer.WaitForAsync<ModelVersionArchived>(e => e.ActionId == archive[0].ActionId, Wait);
        var before = await RecordsAsync(registered.ModelVersionId);
        // The rule deletes archived bytes a day after archiving: the day has passed.
        await using (var c = await registry.DataSource.OpenConnectionAsync())
            await c.ExecuteAsync("UPDATE registry.version_retention SET archived_at = archived_at - interval '2 days' WHERE version_id = @id",
                new { id = registered.ModelVersionId });

        var (_, delete, _) = await registry.PlanSweepAsync(model);
        await registry.Observer.PublishAsync(Assert.Single(delete));
        var deleted = await registry.Observer.WaitForAsync<ArchivedArtifactDeleted>(e => e.ActionId == delete[0].ActionId, Wait);

        Assert.Equal((Bytes(trained), "experiments"), (deleted.BytesFreed, deleted.Rule));
        Assert.All(Files(trained), f => Assert.Equal(ArtifactTier.None, registry.Store.Locate(f.Sha256)));
        await using var db = await registry.DataSource.OpenConnectionAsync();
        var tombstones = (await db.QueryAsync<(string Path, string Sha256, long Size, string Rule, string Reason)>(
            "SELECT path, sha256, size, rule, reason FROM registry.artifact_tombstones WHERE version_id = @id ORDER BY path",
            new { id = registered.ModelVersionId })).ToList();
        Assert.Equal(Files(trained).OrderBy(f => f.Path, StringComparer.Ordinal).Select(f => (f.Path, f.Sha256, f.Size)),
            tombstones.Select(t => (t.Path, t.Sha256, t.Size)));
        Assert.All(tombstones, t => Assert.Equal("experiments", t.Rule));
        Assert.All(tombstones, t => Assert.Contains($"deleted by sweep {delete[0].SweepId}", t.Reason, StringComparison.Ordinal));
        Assert.Equal("deleted", await db.ExecuteScalarAsync<string>("SELECT state FROM registry.version_retention WHERE version_id = @id",
            new { id = registered.ModelVersionId }));
        Assert.Equal(before, await RecordsAsync(registered.ModelVersionId));
        Assert.Single(await registry.AuditAsync("retention.deleted", $"{model}/1"));
        var (verifyExit, verifyOutput) = await registry.MregAsync("artifact", "verify", model, "1");
        Assert.True(verifyExit == 1, verifyOutput);
        Assert.Contains("MISSING", verifyOutput, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_action_sent_by_a_client_account_is_refused_and_audited_and_nothing_moves()
    {
        const string model = "ret-forged";
        var (_, trained) = await registry.RegisterAsync(model, "run-1");
        var (archive, _, _) = await registry.PlanSweepAsync(model);
        var action = Assert.Single(archive);

        await registry.Observer.PublishAsAsync(BrokerUsers.Operator, action);

        var refusal = await Eventually.UntilAsync(() => registry.AuditAsync("retention.refused", action.ActionId.ToString()), r => r.Count > 0, Wait,
            "the refusal's audit record");
        var (actor, details) = Assert.Single(refusal);
        Assert.Equal(BrokerUsers.Operator, actor);
        Assert.Contains("\"reasonCode\": \"not_permitted\"", details, StringComparison.Ordinal);
        Assert.Equal(("planned", (string?)null), await registry.ActionAsync(action.ActionId));
        Assert.All(Files(trained), f => Assert.Equal(ArtifactTier.Primary, registry.Store.Locate(f.Sha256)));
        await using var c = await registry.DataSource.OpenConnectionAsync();
        Assert.Equal(0, await c.ExecuteScalarAsync<long>("SELECT count(*) FROM registry.inbox WHERE message_id = @id", new { id = action.ActionId }));

        // The forged message did not use up the action: the registry's own delivery of it still runs.
        await registry.Observer.PublishAsync(action);
        await registry.Observer.WaitForAsync<ModelVersionArchived>(e => e.ActionId == action.ActionId, Wait);
    }

    private static List<ArtifactFile> Files(ModelTrained trained) => trained.Artifact!.Files;

    private static long Bytes(ModelTrained trained) => Files(trained).DistinctBy(f => f.Sha256).Sum(f => f.Size);

    /// <summary>What retention must never touch: the version, its files' records, lineage and evaluations.</summary>
    private async Task<(long Versions, long Files, long Lineage, long Datasets, long Evaluations)> RecordsAsync(Guid versionId)
    {
        await using var c = await registry.DataSource.OpenConnectionAsync();
        return await c.QuerySingleAsync<(long, long, long, long, long)>("""
            SELECT (SELECT count(*) FROM registry.model_versions WHERE version_id = @versionId),
                   (SELECT count(*) FROM registry.artifact_files WHERE version_id = @versionId),
                   (SELECT count(*) FROM registry.lineage WHERE version_id = @versionId),
                   (SELECT count(*) FROM registry.lineage_datasets WHERE version_id = @versionId),
                   (SELECT count(*) FROM registry.evaluations WHERE version_id = @versionId)
            """, new { versionId });
    }
}
