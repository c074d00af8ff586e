using Dapper;
using ModelRegistry.Contracts.Promotion;
using ModelRegistry.Testing;
using static ModelRegistry.Host.Tests.Promotion.PromotionSteps;

namespace ModelRegistry.Host.Tests.Promotion;

/// <summary>Promotions through a real host, broker and database (policy: <see cref="TestPolicies.Standard"/>).</summary>
public class Promotion_Specs(RunningRegistry registry) : IClassFixture<RunningRegistry>
{
    [Fact]
    public async Task A_promotion_without_gates_or_approvals_changes_the_stage_deploys_and_is_audited()
    {
        await RegisterAsync(registry, "fast-path", "run-1", "low");
        var request = Request("fast-path", 1, "production");

        var promoted = Assert.IsType<ModelVersionPromoted>(await PromoteAsync(registry, request));

        Assert.Equal(("registered", "production"), (promoted.FromStage, promoted.ToStage));
        Assert.Empty(promoted.RetiredVersions);
        Assert.Equal("production", await StageAsync(registry, "fast-path", 1));
        Assert.Equal("Promoted", await PromotionStateAsync(registry, request.PromotionId));
        var deploy = await registry.Observer.WaitForAsync<DeployModelVersion>(d => d.DeploymentId == request.PromotionId);
        Assert.Equal(("fast-path", 1, "promotion"), (deploy.ModelName, deploy.Version, deploy.Cause));
        var audit = await AuditOfAsync(registry, request.PromotionId.ToString("D"));
        // The deployments worker records the deploy instruction under the same id, on its own time: not the saga's record.
        Assert.Equal(["promotion.requested", "promotion.promoted"], audit.Select(a => a.Action).Where(a => !a.StartsWith("deployment.", StringComparison.Ordinal)));
        Assert.Equal(BrokerUsers.Operator, audit[0].Actor); // the sender's principal, not the body's "erin"
        Assert.Contains(await AuditOfAsync(registry, "fast-path/1"), a => a.Action == "stage.changed" && a.Details.Contains("\"production\""));
    }

    [Fact]
    public async Task A_request_whose_text_holds_a_NUL_is_handled_and_stored_with_U_FFFD_not_sent_to_the_error_queue()
    {
        await RegisterAsync(registry, "nul-reason", "run-1", "low");
        var request = Request("nul-reason", 1, "staging", by: "erin\0") with { Reason = "fix\0ed", ChangeTicket = "CHG-\0" };

        Assert.IsType<ModelVersionPromoted>(await PromoteAsync(registry, request));

        await using var c = await registry.DataSource.OpenConnectionAsync();
        Assert.Equal(("fix\uFFFDed", "erin\uFFFD"), await c.QuerySingleAsync<(string, string)>(
            "SELECT reason, claimed_by FROM registry.promotions WHERE promotion_id = @id", new { id = request.PromotionId }));
        var audit = await AuditOfAsync(registry, request.PromotionId.ToString("D"));
        Assert.Equal(BrokerUsers.Operator, audit[0].Actor);
        Assert.Contains("fix\uFFFDed", audit[0].Details);
    }

    [Fact]
    public async Task Production_is_exclusive_and_a_rollback_restores_the_previous_version_at_once()
    {
        await RegisterAsync(registry, "exclusive", "run-1", "low");
        await RegisterAsync(registry, "exclusive", "run-2", "low");
        Assert.IsType<ModelVersionPromoted>(await PromoteAsync(registry, Request("exclusive", 1, "production")));

        var second = Assert.IsType<ModelVersionPromoted>(await PromoteAsync(registry, Request("exclusive", 2, "production")));
        Assert.Equal([1], second.RetiredVersions);
        Assert.Equal(("retired", "production"), (await StageAsync(registry, "exclusive", 1), await StageAsync(registry, "exclusive", 2)));

        var rollback = new RequestRollback
        {
            RollbackId = Guid.NewGuid(), ModelName = "exclusive", IncidentId = "INC-42", FromVersion = 2, RequestedBy = "oncall-ops", Reason = "error rate tripled",
        };
        await registry.Observer.PublishAsync(rollback);

        var rolledBack = await registry.Observer.WaitForAsync<ModelVersionRolledBack>(r => r.RollbackId == rollback.RollbackId);
        Assert.Equal((1, 2), (rolledBack.RestoredVersion, rolledBack.RetiredVersion));
        var deploy = await registry.Observer.WaitForAsync<DeployModelVersion>(d => d.DeploymentId == rollback.RollbackId);
        Assert.Equal((1, 2, "rollback"), (deploy.Version, deploy.ReplacesVersion, deploy.Cause));
        Assert.Equal(("production", "retired"), (await StageAsync(registry, "exclusive", 1), await StageAsync(registry, "exclusive", 2)));
        var audit = await AuditOfAsync(registry, "exclusive");
        var executed = Assert.Single(audit, a => a.Action == "rollback.executed");
        Assert.Equal(BrokerUsers.Operator, executed.Actor); // the sender's principal; the body's "oncall-ops" is in the details
        Assert.Contains("oncall-ops", executed.Details);
        Assert.Contains("\"breakGlass\": true", executed.Details);
        Assert.Contains("INC-42", executed.Details);

        // A second rollback (another incident) has nothing earlier to go back to (version 2 was rolled back from).
        var again = rollback with { RollbackId = Guid.NewGuid(), IncidentId = "INC-43", FromVersion = 1 };
        await registry.Observer.PublishAsync(again);
        var refused = await registry.Observer.WaitForAsync<RollbackRejected>(r => r.RollbackId == again.RollbackId);
        Assert.Equal("no_previous_version", refused.ReasonCode);
        // ... and says so: version 2 has been in production, so version 1 is not the only one that has.
        Assert.StartsWith("exclusive/1 is in production and no earlier version is left to roll back to: version 2, the other version that "
            + "has been in production, was retired by a rollback (incident INC-42)", refused.Message, StringComparison.Ordinal);
        Assert.Equal("production", await StageAsync(registry, "exclusive", 1));
    }

    [Fact]
    public async Task A_rollback_whose_reason_and_incident_hold_a_NUL_rolls_back_with_the_text_stored_as_U_FFFD()
    {
        await RegisterAsync(registry, "nul-rollback", "run-1", "low");
        await RegisterAsync(registry, "nul-rollback", "run-2", "low");
        Assert.IsType<ModelVersionPromoted>(await PromoteAsync(registry, Request("nul-rollback", 1, "production")));
        Assert.IsType<ModelVersionPromoted>(await PromoteAsync(registry, Request("nul-rollback", 2, "production")));
        var rollback = new RequestRollback
        {
            RollbackId = Guid.NewGuid(), ModelName = "nul-rollback", IncidentId = "INC-\0-9", FromVersion = 2, RequestedBy = "oncall\0", Reason = "errors\0 \uD800 up",
        };
        await registry.Observer.PublishAsync(rollback);

        var rolledBack = await registry.Observer.WaitForAsync<ModelVersionRolledBack>(r => r.RollbackId == rollback.RollbackId);
        Assert.Equal((1, 2, "errors\uFFFD \uFFFD up"), (rolledBack.RestoredVersion, rolledBack.RetiredVersion, rolledBack.Reason));
        await using var c = await registry.DataSource.OpenConnectionAsync();
        Assert.Equal(("INC-\uFFFD-9", BrokerUsers.Operator), await c.QuerySingleAsync<(string, string)>(
            "SELECT incident_id, requested_by FROM registry.rollbacks WHERE rollback_id = @id", new { id = rollback.RollbackId }));
    }

    [Fact]
    public async Task A_rollback_or_promotion_naming_a_model_with_a_NUL_is_rejected_not_sent_to_the_error_queue()
    {
        var rollback = new RequestRollback
        {
            RollbackId = Guid.NewGuid(), ModelName = "no\0body", IncidentId = "INC-1", FromVersion = 1, RequestedBy = "oncall-ops", Reason = "test",
        };
        await registry.Observer.PublishAsync(rollback);
        var refused = await registry.Observer.WaitForAsync<RollbackRejected>(r => r.RollbackId == rollback.RollbackId);
        Assert.Equal(("unknown_model", "no\uFFFDbody"), (refused.ReasonCode, refused.ModelName));

        var request = Request("no\0body", 1, "staging");
        var rejected = Assert.IsType<PromotionRejected>(await PromoteAsync(registry, request));
        Assert.Equal("unknown_version", rejected.ReasonCode);
    }

    [Fact]
    public async Task A_rollback_of_a_model_without_production_is_rejected_with_its_reason()
    {
        await RegisterAsync(registry, "never-live", "run-1", "low");
        var rollback = new RequestRollback
        {
            RollbackId = Guid.NewGuid(), ModelName = "never-live", IncidentId = "INC-7", FromVersion = 1, RequestedBy = "oncall-ops", Reason = "test",
        };
        await registry.Observer.PublishAsync(rollback);
        var refused = await registry.Observer.WaitForAsync<RollbackRejected>(r => r.RollbackId == rollback.RollbackId);
        Assert.Equal("nothing_in_production", refused.ReasonCode);
        Assert.Contains(await AuditOfAsync(registry, "never-live"), a => a.Action == "rollback.rejected");
    }

    [Theory]
    [InlineData("no-such-model", 1, "production", "unknown_version")]
    [InlineData("refusals", 9, "production", "unknown_version")]
    [InlineData("refusals", 1, "retired", "not_a_promotion_target")]
    [InlineData("refusals", 1, "canary", "stage_not_in_policy")]
    [InlineData("refusals", 1, "sideways", "invalid_request")]
    public async Task An_impossible_promotion_is_rejected_with_its_reason_and_changes_nothing(string model, int version, string stage, string reason)
    {
        if (model == "refusals" && registry.Observer.All<Contracts.ModelVersionRegistered>().All(e => e.ModelName != "refusals"))
            await RegisterAsync(registry, "refusals", "run-1", "low");
        var request = Request(model, version, stage);

        var rejected = Assert.IsType<PromotionRejected>(await PromoteAsync(registry, request));

        Assert.Equal(reason, rejected.ReasonCode);
        Assert.Equal("Rejected", await PromotionStateAsync(registry, request.PromotionId));
        if (model == "refusals") Assert.Equal("registered", await StageAsync(registry, "refusals", 1));
        Assert.Contains(await AuditOfAsync(registry, request.PromotionId.ToString("D")), a => a.Action == "promotion.rejected" && a.Details.Contains(reason));
    }

    [Fact]
    public async Task A_promotion_waits_for_a_missing_evaluation_and_proceeds_when_it_arrives()
    {
        await RegisterAsync(registry, "gated", "run-1", "medium");
        var request = Request("gated", 1, "staging");
        await registry.Observer.PublishAsync(request);
        await Eventually.UntilAsync(() => PromotionStateAsync(registry, request.PromotionId), s => s == "AwaitingEvaluations",
            TimeSpan.FromSeconds(30), "the promotion waits for the accuracy suite");

        await registry.Observer.PublishAsync(PromotionSteps.Evaluation("gated", 1, accuracy: 0.91));

        var promoted = Assert.IsType<ModelVersionPromoted>(await OutcomeAsync(registry, request.PromotionId));
        Assert.Equal("staging", promoted.ToStage);
        Assert.Contains(await AuditOfAsync(registry, request.PromotionId.ToString("D")), a => a.Action == "promotion.awaiting_evaluations");
    }

    [Fact]
    public async Task A_failed_gate_rejects_the_promotion_naming_the_gate()
    {
        await RegisterAsync(registry, "gated-low", "run-1", "medium");
        await registry.Observer.PublishAsync(PromotionSteps.Evaluation("gated-low", 1, accuracy: 0.5));
        await registry.Observer.WaitForAsync<Contracts.EvaluationRecorded>(e => e.ModelName == "gated-low");

        var rejected = Assert.IsType<PromotionRejected>(await PromoteAsync(registry, Request("gated-low", 1, "staging")));

        Assert.Equal("gates_failed", rejected.ReasonCode);
        var gate = Assert.Single(rejected.FailedGates);
        Assert.Equal("metric", gate.Gate);
        Assert.Contains("accuracy", gate.Message);
        Assert.Equal("registered", await StageAsync(registry, "gated-low", 1));
    }

    [Fact]
    public async Task A_second_promotion_of_the_same_version_to_the_same_stage_is_refused_while_one_is_open_and_cancel_ends_it()
    {
        await RegisterAsync(registry, "twice", "run-1", "medium");
        var first = Request("twice", 1, "staging");
        await registry.Observer.PublishAsync(first);
        await Eventually.UntilAsync(() => PromotionStateAsync(registry, first.PromotionId), s => s == "AwaitingEvaluations",
            TimeSpan.FromSeconds(30), "the first promotion is open");

        var second = Assert.IsType<PromotionRejected>(await PromoteAsync(registry, Request("twice", 1, "staging")));
        Assert.Equal("promotion_open", second.ReasonCode);

        // Re-sending the first request itself changes nothing.
        await registry.Observer.PublishAsync(first);
        await registry.Observer.PublishAsync(new CancelPromotion { PromotionId = first.PromotionId, CancelledBy = "erin", Reason = "wrong version" });
        var cancelled = Assert.IsType<PromotionCancelled>(await OutcomeAsync(registry, first.PromotionId));
        Assert.Equal(BrokerUsers.Operator, cancelled.CancelledBy);
        Assert.Equal("Cancelled", await PromotionStateAsync(registry, first.PromotionId));
        await using var c = await registry.DataSource.OpenConnectionAsync();
        Assert.Equal(1, await c.ExecuteScalarAsync<long>("SELECT count(*) FROM registry.promotions WHERE promotion_id = @id", new { id = first.PromotionId }));
        Assert.Equal("registered", await StageAsync(registry, "twice", 1));
    }
}
