using ModelRegistry.Cli;
using ModelRegistry.Contracts.Promotion;
using ModelRegistry.Testing;
using static ModelRegistry.Host.Tests.Promotion.PromotionSteps;

namespace ModelRegistry.Host.Tests;

/// <summary>
/// <c>mreg audit list --model M</c> shows every record about M that the workers wrote, also those that leave
/// <c>model_name</c> empty: a refused approval (its subject is a promotion of M) and a refused rollback (its subject is M).
/// </summary>
public class Audit_Cli_Specs_When_listing_one_models_records(RunningRegistry registry) : IClassFixture<RunningRegistry>
{
    [Fact]
    public async Task Refused_approvals_and_rollbacks_of_the_model_are_listed_and_those_of_others_are_not()
    {
        await RegisterAsync(registry, "audited", "run-1", "low");
        await RegisterAsync(registry, "bystander", "run-1", "low");
        var promotion = Request("audited", 1, "staging");
        Assert.IsType<ModelVersionPromoted>(await PromoteAsync(registry, promotion));
        var other = Request("bystander", 1, "staging");
        Assert.IsType<ModelVersionPromoted>(await PromoteAsync(registry, other));
        // An unsigned decision for each promotion: refused, and recorded as approval.refused about the promotion.
        foreach (var promotionId in new[] { promotion.PromotionId, other.PromotionId })
        {
            await registry.Observer.PublishAsync(new ApprovalDecided
            {
                PromotionId = promotionId, Integration = TestPolicies.Integration, TicketId = "T-1", Approver = "alice", Role = "model-risk-officer",
                Decision = "approved", DecidedAt = DateTimeOffset.UtcNow,
            });
            await registry.Observer.WaitForAsync<ApprovalRefused>(r => r.PromotionId == promotionId);
        }
        // Nothing in production: refused, and recorded as rollback.rejected about the model.
        foreach (var model in new[] { "audited", "bystander" })
        {
            var rollback = new RequestRollback { RollbackId = Guid.NewGuid(), ModelName = model, IncidentId = "INC-3", RequestedBy = "oncall", Reason = "test" };
            await registry.Observer.PublishAsync(rollback);
            await registry.Observer.WaitForAsync<RollbackRejected>(r => r.RollbackId == rollback.RollbackId);
        }

        var (exit, listed, _) = await Cli_Specs.RunAsync(w =>
            AuditCommand.ListAsync(registry.Cli(), "audited", null, 100, json: true, w, default));

        Assert.Equal(0, exit);
        var records = listed.EnumerateArray()
            .Select(r => (Action: r.GetProperty("action").GetString(), Subject: r.GetProperty("subject").GetString())).ToList();
        var id = promotion.PromotionId.ToString("D");
        Assert.Equal(
            [
                ("version.registered", "audited/1"), ("promotion.requested", id), ("stage.changed", "audited/1"), ("promotion.promoted", id),
                ("approval.refused", id), ("rollback.rejected", "audited"),
            ],
            records);
    }
}
