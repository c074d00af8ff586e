using Dapper;
using ModelRegistry.Contracts;
using ModelRegistry.Platform.Rules;
using ModelRegistry.Platform.Audit;
using ModelRegistry.Registration;
using ModelRegistry.Testing;
using ModelRegistry.Registration.Rules;

namespace ModelRegistry.Persistence.Tests.Registration;

/// <summary>RegistrationStore's group commit on a real PostgreSQL: what is written together, and what one refusal costs the others.</summary>
public sealed class RegistrationGroup_Specs : IAsyncLifetime
{
    private readonly IsolatedEnvironment env = new();

    public Task InitializeAsync() => env.InitializeAsync();

    public Task DisposeAsync() => env.DisposeAsync();

    [Fact]
    public async Task Concurrent_registrations_with_refusals_among_them_number_contiguously_and_refuse_only_the_refused()
    {
        var pipeline = new TrainingPipeline(env.SourceRoot);
        var two = new RegistrationStore(env.DataSource);
        var one = new RegistrationStore(env.DataSource); // a second process, as far as the database can tell
        var good = Enumerable.Range(0, 120).Select(i => pipeline.Trained($"group-{i % 3}", $"run-{i}")).ToList();
        var conflicting = pipeline.Trained("group-0", "run-0", weights: [9, 9, 9]); // same key as good[0], other bytes
        var orphan = pipeline.Trained("group-orphan", "run-x", baseModel: new BaseModelRef { Name = "group-1", Version = 999 });
        var fineTune = pipeline.Trained("group-tuned", "run-t", baseModel: new BaseModelRef { Name = "group-2", Version = 1 });

        var all = good.Concat([conflicting, orphan]).ToList();
        var results = await Task.WhenAll(all.Select((m, i) => Register(i % 2 == 0 ? one : two, m)));
        var tuned = await Register(one, fineTune); // its base, registered above, is found

        Assert.Equal(120, results.Count(r => r.Outcome == RegistrationOutcome.Registered));
        Assert.Single(results, r => r.Outcome == RegistrationOutcome.Rejected && r.Rejected!.ReasonCode == RejectionReasons.IdempotencyConflict);
        Assert.Equal(RegistrationOutcome.Rejected, results[^1].Outcome);
        Assert.Equal(RejectionReasons.UnknownBaseModel, results[^1].Rejected!.ReasonCode);
        Assert.Equal(RegistrationOutcome.Registered, tuned.Outcome);

        await using var c = await env.DataSource.OpenConnectionAsync();
        foreach (var model in new[] { "group-0", "group-1", "group-2" })
        {
            var versions = (await c.QueryAsync<int>(
                "SELECT v.version FROM registry.model_versions v JOIN registry.models m USING (model_id) WHERE m.name = @model ORDER BY 1", new { model })).ToList();
            Assert.Equal(Enumerable.Range(1, 40), versions);
        }
        // One refusal of the two on run-0 (whichever came second), and the orphan: rows, events and audit records, nothing else.
        Assert.Equal(2, await c.ExecuteScalarAsync<long>("SELECT count(*) FROM registry.rejections"));
        Assert.Equal(0, await c.ExecuteScalarAsync<long>("SELECT count(*) FROM registry.models WHERE name = 'group-orphan'"));
        Assert.Equal(121, await c.ExecuteScalarAsync<long>("SELECT count(*) FROM registry.audit_log WHERE action = 'version.registered'"));
        Assert.Equal(2, await c.ExecuteScalarAsync<long>("SELECT count(*) FROM registry.audit_log WHERE action = 'registration.rejected'"));
        Assert.Equal(121 + 2 + 123, await c.ExecuteScalarAsync<long>("SELECT count(*) FROM registry.outbox"));
        var report = await new AuditReader(env.DataSource).VerifyAsync();
        Assert.True(report.Verification.Ok, report.Verification.Reason);
    }

    [Fact]
    public async Task A_redelivered_message_id_is_processed_once_even_within_one_group()
    {
        var pipeline = new TrainingPipeline(env.SourceRoot);
        var store = new RegistrationStore(env.DataSource);
        var message = pipeline.Trained("redelivered", "run-1");
        var id = Guid.NewGuid();
        var results = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => Register(store, message, id)));

        Assert.Single(results, r => r.Outcome == RegistrationOutcome.Registered);
        Assert.Equal(3, results.Count(r => r.Outcome == RegistrationOutcome.AlreadyProcessed));
    }

    [Fact]
    public async Task A_models_tags_are_those_of_its_latest_version_and_each_version_keeps_its_own()
    {
        var pipeline = new TrainingPipeline(env.SourceRoot);
        var store = new RegistrationStore(env.DataSource);
        ModelTrained Tagged(string run, Dictionary<string, string> tags) => pipeline.Trained("tagged", run) with { Tags = tags };

        // One at a time: a kept tag, a changed value, a new key, a dropped key.
        await Register(store, Tagged("r1", new() { ["keep"] = "1", ["change"] = "old", ["drop"] = "x" }));
        await Register(store, Tagged("r2", new() { ["keep"] = "1", ["change"] = "new", ["add"] = "y" }));
        Assert.Equal(new Dictionary<string, string> { ["keep"] = "1", ["change"] = "new", ["add"] = "y" }, await ModelTagsAsync("tagged"));

        // Several in one group: the highest version's tags win, as if written one after the other.
        var results = await Task.WhenAll(Enumerable.Range(3, 6).Select(i => Register(store, Tagged($"r{i}", new() { ["keep"] = "1", ["n"] = $"{i}" }))));
        var latest = results.MaxBy(r => r.Registered!.Version)!.Registered!;
        var latestTags = await VersionTagsAsync(latest.ModelVersionId);
        Assert.Equal(latestTags, await ModelTagsAsync("tagged"));
        Assert.Equal(2, latestTags.Count);

        // A version's own tags never change.
        var first = results.MinBy(r => r.Registered!.Version)!.Registered!;
        Assert.Equal(2, (await VersionTagsAsync(first.ModelVersionId)).Count);
        Assert.Equal(8, latest.Version);
    }

    private async Task<Dictionary<string, string>> ModelTagsAsync(string model)
    {
        await using var c = await env.DataSource.OpenConnectionAsync();
        return (await c.QueryAsync<(string Key, string Value)>(
            "SELECT t.key, t.value FROM registry.model_tags t JOIN registry.models m USING (model_id) WHERE m.name = @model", new { model }))
            .ToDictionary(t => t.Key, t => t.Value);
    }

    private async Task<Dictionary<string, string>> VersionTagsAsync(Guid versionId)
    {
        await using var c = await env.DataSource.OpenConnectionAsync();
        return (await c.QueryAsync<(string Key, string Value)>(
            "SELECT key, value FROM registry.version_tags WHERE version_id = @versionId", new { versionId })).ToDictionary(t => t.Key, t => t.Value);
    }

    private static Task<RegistrationResult> Register(RegistrationStore store, ModelTrained m, Guid? messageId = null) =>
        store.RegisterAsync(m, RegistrationRules.IdempotencyKey(m), ManifestDigest.Compute(m.Artifact!.Files),
            m.Artifact.Files.Select(f => new StoredFile(f, f.Sha256, f.Size)).ToList(), messageId ?? Guid.NewGuid(), DateTimeOffset.UtcNow, default);
}
