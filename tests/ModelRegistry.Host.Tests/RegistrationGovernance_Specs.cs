using System.Text.Json;
using Dapper;
using ModelRegistry.Contracts;
using ModelRegistry.Testing;

namespace ModelRegistry.Host.Tests;

/// <summary>
/// Over the real broker and database: ChangeModelGovernance, the one way to change a model's owner team or risk tier, is
/// allowed to principals with the governance role (the operator's user in the built-in policy), once per command id, audited.
/// </summary>
public sealed class RegistrationGovernance_Specs(RunningRegistry registry) : IClassFixture<RunningRegistry>
{
    [Fact]
    public async Task An_operator_raises_a_models_tier_and_later_registrations_must_claim_the_new_one()
    {
        await RegisterAsync("raised-model", "run-1", "low");
        var command = Command("raised-model", riskTier: "critical");

        await registry.Observer.PublishAsync(command); // as the operator's user

        var changed = await registry.Observer.WaitForAsync<ModelGovernanceChanged>(e => e.CommandId == command.CommandId);
        Assert.Equal(("raised-model", "team-vision", "team-vision", "low", "critical", BrokerUsers.Operator, command.Reason),
            (changed.ModelName, changed.PreviousOwnerTeam, changed.OwnerTeam, changed.PreviousRiskTier, changed.RiskTier, changed.ChangedBy, changed.Reason));
        await using var c = await registry.DataSource.OpenConnectionAsync();
        Assert.Equal(("team-vision", "critical"), await c.QuerySingleAsync<(string, string)>(
            "SELECT owner_team, risk_tier FROM registry.models WHERE name = 'raised-model'"));

        var audit = await registry.Observer.WaitForAsync<AuditRecorded>(a => a.Action == "model.governance_changed" && a.ModelName == "raised-model");
        Assert.Equal((BrokerUsers.Operator, "model", "raised-model"), (audit.Actor, audit.SubjectType, audit.Subject));
        using (var details = JsonDocument.Parse(audit.DetailsJson))
        {
            var d = details.RootElement;
            Assert.Equal("low", d.GetProperty("from").GetProperty("riskTier").GetString());
            Assert.Equal("critical", d.GetProperty("to").GetProperty("riskTier").GetString());
            Assert.Equal("mira", d.GetProperty("requestedBy").GetString()); // information only: the actor is the principal
        }

        // The pipeline's old claim is now a mismatch; the new tier registers.
        await registry.Observer.PublishAsync(registry.Pipeline.Trained("raised-model", "run-2") with { RiskTier = "low" });
        var refused = await registry.Observer.WaitForAsync<ModelRegistrationRejected>(e => e.ModelName == "raised-model");
        Assert.Equal(RejectionReasons.GovernanceMismatch, refused.ReasonCode);
        await registry.Observer.PublishAsync(registry.Pipeline.Trained("raised-model", "run-3") with { RiskTier = "critical" });
        Assert.Equal(2, (await registry.Observer.WaitForAsync<ModelVersionRegistered>(e => e.ModelName == "raised-model" && e.Version == 2)).Version);
    }

    [Fact]
    public async Task The_same_command_id_twice_changes_once()
    {
        await RegisterAsync("twice-model", "run-1", "medium");
        var command = Command("twice-model", ownerTeam: "team-payments");
        await registry.Observer.PublishAsync(command);
        await registry.Observer.WaitForAsync<ModelGovernanceChanged>(e => e.CommandId == command.CommandId);

        // Again, then another command after it: the queue is handled one message at a time, in order.
        await registry.Observer.PublishAsync(command with { OwnerTeam = "team-elsewhere" });
        var marker = Command("twice-model", riskTier: "high");
        await registry.Observer.PublishAsync(marker);
        var after = await registry.Observer.WaitForAsync<ModelGovernanceChanged>(e => e.CommandId == marker.CommandId);

        Assert.Equal(("team-payments", "team-payments", "medium", "high"), (after.PreviousOwnerTeam, after.OwnerTeam, after.PreviousRiskTier, after.RiskTier));
        Assert.Single(registry.Observer.All<ModelGovernanceChanged>(), e => e.CommandId == command.CommandId);
        Assert.DoesNotContain(registry.Observer.All<ModelGovernanceRejected>(), e => e.CommandId == command.CommandId);
        await using var c = await registry.DataSource.OpenConnectionAsync();
        Assert.Equal(2, await c.ExecuteScalarAsync<long>(
            "SELECT count(*) FROM registry.audit_log WHERE action = 'model.governance_changed' AND model_name = 'twice-model'"));
    }

    [Fact]
    public async Task A_principal_without_the_governance_role_is_refused_not_permitted_and_the_model_is_unchanged()
    {
        await RegisterAsync("guarded-model", "run-1", "critical");
        var command = Command("guarded-model", riskTier: "low");

        await registry.Observer.PublishAsAsync(BrokerUsers.Pipeline, command);

        var rejected = await registry.Observer.WaitForAsync<ModelGovernanceRejected>(e => e.CommandId == command.CommandId);
        Assert.Equal((RejectionReasons.NotPermitted, "guarded-model"), (rejected.ReasonCode, rejected.ModelName));
        Assert.StartsWith($"{BrokerUsers.Pipeline} may not change a model's owner team or risk tier", rejected.Message, StringComparison.Ordinal);
        var audit = await registry.Observer.WaitForAsync<AuditRecorded>(a => a.Action == "model.governance_rejected" && a.ModelName == "guarded-model");
        Assert.Equal(BrokerUsers.Pipeline, audit.Actor);
        await using var c = await registry.DataSource.OpenConnectionAsync();
        Assert.Equal(("team-vision", "critical"), await c.QuerySingleAsync<(string, string)>(
            "SELECT owner_team, risk_tier FROM registry.models WHERE name = 'guarded-model'"));

        // The refused sender did not use up the command id: the operator's command with it goes through.
        await registry.Observer.PublishAsync(command);
        var changed = await registry.Observer.WaitForAsync<ModelGovernanceChanged>(e => e.CommandId == command.CommandId);
        Assert.Equal(("critical", "low"), (changed.PreviousRiskTier, changed.RiskTier));
    }

    [Fact]
    public async Task Unknown_models_anonymous_senders_and_tier_names_registration_does_not_take_are_refused()
    {
        await RegisterAsync("checked-model", "run-1", "high");
        var unknown = Command("no-such-model", riskTier: "low");
        var anonymous = Command("checked-model", riskTier: "low");
        var badTier = Command("checked-model", riskTier: "severe");

        await registry.Observer.PublishAsync(unknown);
        await registry.Observer.PublishAnonymouslyAsync(anonymous);
        await registry.Observer.PublishAsync(badTier);

        var refusedUnknown = await registry.Observer.WaitForAsync<ModelGovernanceRejected>(e => e.CommandId == unknown.CommandId);
        Assert.Equal((RejectionReasons.UnknownModel, "modelName: there is no model 'no-such-model'"), (refusedUnknown.ReasonCode, refusedUnknown.Message));
        Assert.Equal(RejectionReasons.Unauthenticated, (await registry.Observer.WaitForAsync<ModelGovernanceRejected>(e => e.CommandId == anonymous.CommandId)).ReasonCode);
        var refusedTier = await registry.Observer.WaitForAsync<ModelGovernanceRejected>(e => e.CommandId == badTier.CommandId);
        Assert.Equal((RejectionReasons.InvalidValue, "riskTier: 'severe' is not one of low, medium, high, critical"), (refusedTier.ReasonCode, refusedTier.Message));

        await using var c = await registry.DataSource.OpenConnectionAsync();
        Assert.Equal("high", await c.ExecuteScalarAsync<string>("SELECT risk_tier FROM registry.models WHERE name = 'checked-model'"));
        Assert.Equal(3, await c.ExecuteScalarAsync<long>(
            "SELECT count(*) FROM registry.audit_log WHERE action = 'model.governance_rejected' AND details->>'commandId' = ANY(@ids)",
            new { ids = new[] { unknown.CommandId.ToString(), anonymous.CommandId.ToString(), badTier.CommandId.ToString() } }));
    }

    private async Task RegisterAsync(string model, string run, string tier)
    {
        await registry.Observer.PublishAsync(registry.Pipeline.Trained(model, run) with { RiskTier = tier });
        await registry.Observer.WaitForAsync<ModelVersionRegistered>(e => e.ModelName == model);
    }

    private static ChangeModelGovernance Command(string model, string? ownerTeam = null, string? riskTier = null) => new()
    {
        CommandId = Guid.NewGuid(), ModelName = model, OwnerTeam = ownerTeam, RiskTier = riskTier,
        Reason = "the model now decides payments", RequestedBy = "mira",
    };
}
