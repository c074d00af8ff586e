using Dapper;
using ModelRegistry.Contracts;
using ModelRegistry.Registration;
using ModelRegistry.Registration.Rules;
using ModelRegistry.Testing;

namespace ModelRegistry.Persistence.Tests.Registration;

/// <summary>On a real PostgreSQL: registrations never change a model's owner team or risk tier; its first registration fixes them.</summary>
public sealed class RegistrationGovernance_Specs : IAsyncLifetime
{
    private readonly IsolatedEnvironment env = new();

    public Task InitializeAsync() => env.InitializeAsync();

    public Task DisposeAsync() => env.DisposeAsync();

    [Fact]
    public async Task A_later_registration_claiming_another_tier_or_team_is_refused_and_the_model_row_keeps_its_own()
    {
        var pipeline = new TrainingPipeline(env.SourceRoot);
        var store = new RegistrationStore(env.DataSource);
        var first = await Register(store, pipeline.Trained("gov-fixed", "run-1") with { RiskTier = "critical", OwnerTeam = "risk-ml", Description = "v1" });
        Assert.Equal(RegistrationOutcome.Registered, first.Outcome);

        var lowered = await Register(store, pipeline.Trained("gov-fixed", "run-2") with { RiskTier = "low", OwnerTeam = "risk-ml" });
        var moved = await Register(store, pipeline.Trained("gov-fixed", "run-3") with { RiskTier = "critical", OwnerTeam = "growth" });
        var same = await Register(store, pipeline.Trained("gov-fixed", "run-4") with { RiskTier = "critical", OwnerTeam = "risk-ml", Description = "v2" });

        Assert.Equal((RegistrationOutcome.Rejected, RejectionReasons.GovernanceMismatch), (lowered.Outcome, lowered.Rejected!.ReasonCode));
        Assert.Equal("riskTier: gov-fixed has risk tier 'critical', not 'low'; only ChangeModelGovernance changes a model's risk tier", lowered.Rejected.Message);
        Assert.Equal((RegistrationOutcome.Rejected, RejectionReasons.GovernanceMismatch), (moved.Outcome, moved.Rejected!.ReasonCode));
        Assert.StartsWith("ownerTeam: gov-fixed is owned by 'risk-ml', not 'growth'", moved.Rejected.Message, StringComparison.Ordinal);
        Assert.Equal((RegistrationOutcome.Registered, 2), (same.Outcome, same.Registered!.Version));

        await using var c = await env.DataSource.OpenConnectionAsync();
        var model = await c.QuerySingleAsync<(string OwnerTeam, string RiskTier, string Description, int NextVersion)>(
            "SELECT owner_team, risk_tier, description, next_version FROM registry.models WHERE name = 'gov-fixed'");
        Assert.Equal(("risk-ml", "critical", "v2", 3), model); // the description still follows the latest registration
        Assert.Equal(2, await c.ExecuteScalarAsync<long>(
            "SELECT count(*) FROM registry.rejections WHERE subject = 'gov-fixed' AND reason_code = 'governance_mismatch'"));
        Assert.Equal(["mreg-pipeline"], await c.QueryAsync<string>(
            "SELECT DISTINCT actor FROM registry.audit_log WHERE model_name = 'gov-fixed'"));
    }

    [Fact]
    public async Task Concurrent_first_registrations_of_a_new_model_fix_one_tier_and_every_version_has_it()
    {
        var pipeline = new TrainingPipeline(env.SourceRoot);
        var one = new RegistrationStore(env.DataSource);
        var two = new RegistrationStore(env.DataSource); // a second process, as far as the database can tell
        string[] tiers = ["low", "medium", "high", "critical"];
        var calls = Enumerable.Range(0, 80).Select(i => pipeline.Trained("gov-race", $"run-{i}") with { RiskTier = tiers[i % 4] }).ToList();

        var results = await Task.WhenAll(calls.Select((m, i) => Register(i % 2 == 0 ? one : two, m)));

        await using var c = await env.DataSource.OpenConnectionAsync();
        var fixedTier = await c.ExecuteScalarAsync<string>("SELECT risk_tier FROM registry.models WHERE name = 'gov-race'");
        var versionTiers = (await c.QueryAsync<string>(
            "SELECT DISTINCT v.risk_tier FROM registry.model_versions v JOIN registry.models m USING (model_id) WHERE m.name = 'gov-race'")).ToList();
        Assert.Equal([fixedTier!], versionTiers);
        Assert.Equal(20, results.Count(r => r.Outcome == RegistrationOutcome.Registered));
        Assert.Equal(60, results.Count(r => r.Outcome == RegistrationOutcome.Rejected && r.Rejected!.ReasonCode == RejectionReasons.GovernanceMismatch));
        Assert.All(results.Where(r => r.Outcome == RegistrationOutcome.Rejected),
            r => Assert.Contains($"has risk tier '{fixedTier}'", r.Rejected!.Message, StringComparison.Ordinal));
    }

    private static Task<RegistrationResult> Register(RegistrationStore store, ModelTrained m) =>
        store.RegisterAsync(m, RegistrationRules.IdempotencyKey(m), ManifestDigest.Compute(m.Artifact!.Files),
            m.Artifact.Files.Select(f => new StoredFile(f, f.Sha256, f.Size)).ToList(), Guid.NewGuid(), DateTimeOffset.UtcNow, "mreg-pipeline", default);
}
