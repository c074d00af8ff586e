using System.Text.Json;
using Dapper;
using ModelRegistry.Contracts;
using ModelRegistry.Contracts.Promotion;
using ModelRegistry.Testing;
using static ModelRegistry.Host.Tests.Promotion.PromotionSteps;

namespace ModelRegistry.Host.Tests.Promotion;

/// <summary>
/// Evaluations that cannot be pinned, over the real broker and database: an evaluatedAt far ahead is refused, the latest
/// evaluation of a suite is the one received last, and the gates are checked again after the last approval.
/// </summary>
public class EvaluationIntegrity_Specs(EvaluationIntegrity_Specs.GatedApprovals registry) : IClassFixture<EvaluationIntegrity_Specs.GatedApprovals>
{
    /// <summary>
    /// medium: staging needs an accuracy evaluation (&gt;= 0.8, findings at most medium). high: staging freely; production
    /// from staging needs the same gates and model-risk-officer plus security-review, two people.
    /// </summary>
    public sealed class GatedApprovals : RunningRegistry
    {
        private const string Gates = """
            { "requiredSuites": ["accuracy"], "metrics": [{ "suite": "accuracy", "name": "accuracy", "direction": "at_least", "threshold": 0.8 }], "maxFindingSeverity": "medium" }
            """;

        protected override string PromotionPolicyJson => $$"""
            {
              "tiers": {
                "low": { "staging": { "from": ["registered"] } },
                "medium": { "staging": { "from": ["registered"], "gates": {{Gates}} } },
                "high": {
                  "staging": { "from": ["registered"] },
                  "production": {
                    "from": ["staging"],
                    "gates": {{Gates}},
                    "approvals": { "roles": ["model-risk-officer", "security-review"], "distinctApprovers": 2, "timeout": "P1D" }
                  }
                },
                "critical": { "staging": { "from": ["registered"] } }
              }
            }
            """;
    }

    private async Task<EvaluationRecorded> RecordedAsync(EvaluationCompleted evaluation)
    {
        await registry.Observer.PublishAsAsync(BrokerUsers.Evaluator, evaluation);
        return await registry.Observer.WaitForAsync<EvaluationRecorded>(e => e.EvaluationId == evaluation.EvaluationId);
    }

    [Fact]
    public async Task An_evaluation_dated_far_in_the_future_is_refused_kept_and_audited_and_never_attached()
    {
        await RegisterAsync(registry, "pinned-model", "run-1", "medium");
        var pinned = PromotionSteps.Evaluation("pinned-model", 1, accuracy: 0.99) with { EvaluatedAt = new DateTimeOffset(9999, 12, 31, 0, 0, 0, TimeSpan.Zero) };
        var slightlyAhead = PromotionSteps.Evaluation("pinned-model", 1, accuracy: 0.5) with { EvaluatedAt = DateTimeOffset.UtcNow.AddMinutes(2) }; // within 300 s

        await registry.Observer.PublishAsAsync(BrokerUsers.Evaluator, pinned);
        await registry.Observer.PublishAsAsync(BrokerUsers.Evaluator, slightlyAhead);

        var rejected = await registry.Observer.WaitForAsync<EvaluationRejected>(e => e.EvaluationId == pinned.EvaluationId);
        Assert.Equal(RejectionReasons.EvaluatedAtInFuture, rejected.ReasonCode);
        Assert.StartsWith("evaluatedAt: 9999-12-31T00:00:00Z is ", rejected.Message, StringComparison.Ordinal);
        Assert.EndsWith("at most 300 s of clock skew is allowed (Evaluation:MaxClockSkewSeconds)", rejected.Message, StringComparison.Ordinal);
        await registry.Observer.WaitForAsync<EvaluationRecorded>(e => e.EvaluationId == slightlyAhead.EvaluationId);

        await using var c = await registry.DataSource.OpenConnectionAsync();
        Assert.Equal(0, await c.ExecuteScalarAsync<long>("SELECT count(*) FROM registry.evaluations WHERE evaluation_id = @id", new { id = pinned.EvaluationId }));
        var kept = await c.QuerySingleAsync<(string Subject, string Reason)>(
            "SELECT subject, reason_code FROM registry.rejections WHERE kind = 'evaluation' AND payload->>'evaluationId' = @id",
            new { id = pinned.EvaluationId.ToString() });
        Assert.Equal(("pinned-model v1", RejectionReasons.EvaluatedAtInFuture), kept);
        var audited = await c.QuerySingleAsync<(string Actor, string Details)>(
            "SELECT actor, details::text FROM registry.audit_log WHERE action = 'evaluation.rejected' AND subject = @id",
            new { id = pinned.EvaluationId.ToString() });
        Assert.Equal(BrokerUsers.Evaluator, audited.Actor);
        Assert.Equal(RejectionReasons.EvaluatedAtInFuture, JsonDocument.Parse(audited.Details).RootElement.GetProperty("reasonCode").GetString());

        // The gates read the one evaluation that was recorded (0.5): the pinned 0.99 never counts.
        var outcome = Assert.IsType<PromotionRejected>(await PromoteAsync(registry, Request("pinned-model", 1, "staging")));
        Assert.Equal("gates_failed", outcome.ReasonCode);
        Assert.Equal("accuracy/accuracy: must be at least 0.8, was 0.5", Assert.Single(outcome.FailedGates).Message);
    }

    [Fact]
    public async Task An_evaluation_that_claims_an_earlier_evaluatedAt_but_arrives_later_is_the_one_the_gates_use_and_mreg_shows()
    {
        await RegisterAsync(registry, "reordered-model", "run-1", "medium");
        var first = await RecordedAsync(PromotionSteps.Evaluation("reordered-model", 1, accuracy: 0.95) with { EvaluatedAt = DateTimeOffset.UtcNow.AddMinutes(4) });
        var second = await RecordedAsync(PromotionSteps.Evaluation("reordered-model", 1, accuracy: 0.5) with { EvaluatedAt = DateTimeOffset.UtcNow.AddDays(-3) });

        var outcome = Assert.IsType<PromotionRejected>(await PromoteAsync(registry, Request("reordered-model", 1, "staging")));

        Assert.Equal("gates_failed", outcome.ReasonCode);
        Assert.Equal("accuracy/accuracy: must be at least 0.8, was 0.5", Assert.Single(outcome.FailedGates).Message);
        await using var show = HostProcess.StartCli(registry.CliEnvironment(), "versions", "show", "reordered-model", "1", "--json");
        Assert.Equal(0, await show.WaitForExitAsync(TimeSpan.FromSeconds(60)));
        using var shown = JsonDocument.Parse(show.Output);
        var listed = shown.RootElement.GetProperty("evaluations").EnumerateArray()
            .Select(e => (e.GetProperty("evaluationId").GetGuid(), e.GetProperty("latestOfSuite").GetBoolean())).ToList();
        Assert.Equal([(first.EvaluationId, false), (second.EvaluationId, true)], listed); // in the order received
    }

    [Fact]
    public async Task A_critical_finding_received_during_the_approval_window_makes_the_last_approval_end_it_gates_failed()
    {
        await RegisterAsync(registry, "scanned-model", "run-1", "high");
        Assert.IsType<ModelVersionPromoted>(await PromoteAsync(registry, Request("scanned-model", 1, "staging")));
        await RecordedAsync(PromotionSteps.Evaluation("scanned-model", 1, accuracy: 0.93));
        await using var ticketing = await TicketingClient.StartAsync(registry.As(BrokerUsers.Ticketing), TestPolicies.Integration, TestPolicies.Secret);
        var request = Request("scanned-model", 1, "production");
        await registry.Observer.PublishAsync(request);
        var asked = await ticketing.WaitForRequestAsync(request.PromotionId);
        Assert.Contains("security findings at most medium", asked.Evidence.GatesPassed);
        await ticketing.DecideAsync(request.PromotionId, TicketVote.Approve("alice", "model-risk-officer", "metrics fine"));
        await Eventually.UntilAsync(() => AuditOfAsync(registry, request.PromotionId.ToString("D")),
            audit => audit.Any(a => a.Action == "approval.accepted"), TimeSpan.FromSeconds(30), "the first approval counted");

        // A re-run of the suite, received now, finds a critical issue; it claims to have run before the first one.
        await RecordedAsync(PromotionSteps.Evaluation("scanned-model", 1, accuracy: 0.93) with
        {
            EvaluatedAt = DateTimeOffset.UtcNow.AddHours(-1),
            SecurityFindings = [new SecurityFinding { Id = "MODELSCAN-RCE-1", Severity = "critical", Title = "pickle executes code on load" }],
        });
        Assert.Equal("AwaitingApproval", await PromotionStateAsync(registry, request.PromotionId));
        await ticketing.DecideAsync(request.PromotionId, TicketVote.Approve("bob", "security-review", "looked fine yesterday"));

        var rejected = Assert.IsType<PromotionRejected>(await OutcomeAsync(registry, request.PromotionId));
        Assert.Equal("gates_failed", rejected.ReasonCode);
        var failed = Assert.Single(rejected.FailedGates);
        Assert.Equal(("finding_severity", "accuracy: findings must be at most 'medium', the worst was 'critical'"), (failed.Gate, failed.Message));
        Assert.Equal("gates checked again at promotion: 1 gate(s) failed: accuracy: findings must be at most 'medium', the worst was 'critical'", rejected.Message);
        Assert.Equal("staging", await StageAsync(registry, "scanned-model", 1));
        Assert.Equal("Rejected", await PromotionStateAsync(registry, request.PromotionId));
        var audit = await AuditOfAsync(registry, request.PromotionId.ToString("D"));
        Assert.Equal(["approval.accepted", "approval.accepted", "promotion.rejected"], audit.Select(a => a.Action).TakeLast(3));
        using var details = JsonDocument.Parse(audit[^1].Details);
        var recorded = details.RootElement.GetProperty("details");
        Assert.Equal("gates_failed", recorded.GetProperty("reasonCode").GetString());
        Assert.Equal(["accuracy: findings must be at most 'medium', the worst was 'critical'"],
            recorded.GetProperty("failedGates").EnumerateArray().Select(g => g.GetString()));
        Assert.DoesNotContain(registry.Observer.All<ModelVersionPromoted>(), e => e.PromotionId == request.PromotionId);
        Assert.DoesNotContain(registry.Observer.All<DeployModelVersion>(), e => e.DeploymentId == request.PromotionId);
    }
}
