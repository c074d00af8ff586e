using System.Text.Json;
using Dapper;
using ModelRegistry.Contracts;
using ModelRegistry.Testing;

namespace ModelRegistry.Host.Tests;

/// <summary>
/// Over the real broker and database: a registration's principal is the broker's validated user_id, the access policy
/// says which teams it may register for, and a model's first registration fixes its owner team and risk tier.
/// </summary>
public sealed class RegistrationIdentity_Specs(RunningRegistry registry) : IClassFixture<RunningRegistry>
{
    [Fact]
    public async Task A_ModelTrained_without_user_id_is_refused_unauthenticated_with_a_rejection_event_row_and_audit_record()
    {
        await registry.Observer.PublishAnonymouslyAsync(registry.Pipeline.Trained("anon-model", "anon-run"));

        var rejected = await registry.Observer.WaitForAsync<ModelRegistrationRejected>(e => e.ModelName == "anon-model");
        Assert.Equal(RejectionReasons.Unauthenticated, rejected.ReasonCode);
        Assert.Contains("user_id", rejected.Message, StringComparison.Ordinal);
        Assert.Equal("anon-run:anon-model", rejected.IdempotencyKey);

        var audit = await registry.Observer.WaitForAsync<AuditRecorded>(a => a.Action == "registration.rejected" && a.ModelName == "anon-model");
        Assert.Equal("svc:registration", audit.Actor); // nobody the broker vouched for: the worker records its own refusal
        using (var details = JsonDocument.Parse(audit.DetailsJson))
            Assert.Equal(RejectionReasons.Unauthenticated, details.RootElement.GetProperty("reasonCode").GetString());

        await using var c = await registry.DataSource.OpenConnectionAsync();
        Assert.Equal(1, await c.ExecuteScalarAsync<long>(
            "SELECT count(*) FROM registry.rejections WHERE kind = 'registration' AND subject = 'anon-model' AND reason_code = 'unauthenticated'"));
        Assert.Equal(0, await c.ExecuteScalarAsync<long>("SELECT count(*) FROM registry.models WHERE name = 'anon-model'"));
    }

    [Fact]
    public async Task A_principal_the_policy_does_not_let_register_for_the_team_is_refused_not_permitted_naming_both()
    {
        // The evaluator's user is granted suites, no teams.
        await registry.Observer.PublishAsAsync(BrokerUsers.Evaluator, registry.Pipeline.Trained("foreign-model", "foreign-run"));

        var rejected = await registry.Observer.WaitForAsync<ModelRegistrationRejected>(e => e.ModelName == "foreign-model");
        Assert.Equal(RejectionReasons.NotPermitted, rejected.ReasonCode);
        Assert.StartsWith($"{BrokerUsers.Evaluator} may not register models for team 'team-vision'", rejected.Message, StringComparison.Ordinal);

        var audit = await registry.Observer.WaitForAsync<AuditRecorded>(a => a.Action == "registration.rejected" && a.ModelName == "foreign-model");
        Assert.Equal(BrokerUsers.Evaluator, audit.Actor);
        await using var c = await registry.DataSource.OpenConnectionAsync();
        Assert.Equal(1, await c.ExecuteScalarAsync<long>(
            "SELECT count(*) FROM registry.rejections WHERE subject = 'foreign-model' AND reason_code = 'not_permitted'"));
        Assert.Equal(0, await c.ExecuteScalarAsync<long>("SELECT count(*) FROM registry.models WHERE name = 'foreign-model'"));
    }

    [Fact]
    public async Task The_registry_s_own_user_may_not_register_models_either()
    {
        await registry.Observer.PublishAsAsync(BrokerUsers.Workers, registry.Pipeline.Trained("inside-model", "inside-run"));

        var rejected = await registry.Observer.WaitForAsync<ModelRegistrationRejected>(e => e.ModelName == "inside-model");
        Assert.Equal(RejectionReasons.NotPermitted, rejected.ReasonCode);
    }

    [Fact]
    public async Task A_ModelTrained_that_lowers_a_models_risk_tier_is_refused_governance_mismatch_and_the_models_tier_is_unchanged()
    {
        await registry.Observer.PublishAsync(registry.Pipeline.Trained("tiered-model", "run-1") with { RiskTier = "critical" });
        var first = await registry.Observer.WaitForAsync<ModelVersionRegistered>(e => e.ModelName == "tiered-model");
        Assert.Equal(1, first.Version);

        await registry.Observer.PublishAsync(registry.Pipeline.Trained("tiered-model", "run-2") with { RiskTier = "low" });

        var rejected = await registry.Observer.WaitForAsync<ModelRegistrationRejected>(e => e.ModelName == "tiered-model");
        Assert.Equal(RejectionReasons.GovernanceMismatch, rejected.ReasonCode);
        Assert.Equal("run-2:tiered-model", rejected.IdempotencyKey);
        Assert.Equal("riskTier: tiered-model has risk tier 'critical', not 'low'; only ChangeModelGovernance changes a model's risk tier", rejected.Message);
        var audit = await registry.Observer.WaitForAsync<AuditRecorded>(a => a.Action == "registration.rejected" && a.ModelName == "tiered-model");
        Assert.Equal(BrokerUsers.Pipeline, audit.Actor);

        await using var c = await registry.DataSource.OpenConnectionAsync();
        Assert.Equal(("team-vision", "critical", 2), await c.QuerySingleAsync<(string, string, int)>(
            "SELECT owner_team, risk_tier, next_version FROM registry.models WHERE name = 'tiered-model'"));
        Assert.Equal(1, await c.ExecuteScalarAsync<long>(
            "SELECT count(*) FROM registry.rejections WHERE subject = 'tiered-model' AND reason_code = 'governance_mismatch'"));
    }

    [Fact]
    public async Task A_ModelTrained_that_names_another_owner_team_is_refused_governance_mismatch_and_the_models_team_is_unchanged()
    {
        await registry.Observer.PublishAsync(registry.Pipeline.Trained("owned-model", "run-1"));
        await registry.Observer.WaitForAsync<ModelVersionRegistered>(e => e.ModelName == "owned-model");

        await registry.Observer.PublishAsync(registry.Pipeline.Trained("owned-model", "run-2") with { OwnerTeam = "team-takeover" });

        var rejected = await registry.Observer.WaitForAsync<ModelRegistrationRejected>(e => e.ModelName == "owned-model");
        Assert.Equal(RejectionReasons.GovernanceMismatch, rejected.ReasonCode);
        Assert.StartsWith("ownerTeam: owned-model is owned by 'team-vision', not 'team-takeover'", rejected.Message, StringComparison.Ordinal);
        await using var c = await registry.DataSource.OpenConnectionAsync();
        Assert.Equal(("team-vision", "high"), await c.QuerySingleAsync<(string, string)>(
            "SELECT owner_team, risk_tier FROM registry.models WHERE name = 'owned-model'"));
    }
}
