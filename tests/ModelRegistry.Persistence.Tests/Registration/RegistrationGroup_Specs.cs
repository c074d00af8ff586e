using Dapper;
using ModelRegistry.Contracts;
using ModelRegistry.Domain;
using ModelRegistry.Persistence.Audit;
using ModelRegistry.Persistence.Registration;
using ModelRegistry.Testing;

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

    private static Task<RegistrationResult> Register(RegistrationStore store, ModelTrained m, Guid? messageId = null) =>
        store.RegisterAsync(m, RegistrationRules.IdempotencyKey(m), ManifestDigest.Compute(m.Artifact!.Files),
            m.Artifact.Files.Select(f => new StoredFile(f, f.Sha256, f.Size)).ToList(), messageId ?? Guid.NewGuid(), DateTimeOffset.UtcNow, default);
}
