using Dapper;
using ModelRegistry.Contracts;
using ModelRegistry.Testing;

namespace ModelRegistry.Host.Tests;

/// <summary>
/// Who may report evaluations, over the real broker and a real host with a narrow access policy: the evaluator reports
/// one suite only; a refusal is an EvaluationRejected with its row and audit record, and the audit actor is the principal.
/// </summary>
public class EvaluationPrincipals_Specs(EvaluationPrincipals_Specs.NarrowRegistry registry) : IClassFixture<EvaluationPrincipals_Specs.NarrowRegistry>
{
    public sealed class NarrowRegistry : RunningRegistry
    {
        protected override string? AccessPolicyJson => $$"""
            {
              "registry": ["{{BrokerUsers.Workers}}"],
              "principals": {
                "{{BrokerUsers.Pipeline}}": { "teams": ["*"] },
                "{{BrokerUsers.Evaluator}}": { "suites": ["accuracy-v2"] }
              }
            }
            """;
    }

    private static EvaluationCompleted Evaluation(string model, string suite) => new()
    {
        EvaluationId = Guid.NewGuid(),
        ModelName = model,
        Version = 1,
        Suite = suite,
        Metrics = new() { ["accuracy"] = 0.93 },
        EvaluatedAt = DateTimeOffset.UtcNow,
    };

    private async Task<string> AuditActorAsync(string action, Guid evaluationId)
    {
        await using var c = await registry.DataSource.OpenConnectionAsync();
        return await c.QuerySingleAsync<string>("SELECT actor FROM registry.audit_log WHERE action = @action AND subject = @subject",
            new { action, subject = evaluationId.ToString() });
    }

    [Fact]
    public async Task Evaluations_are_recorded_only_from_a_principal_that_may_report_their_suite_and_audited_as_it()
    {
        await registry.Observer.PublishAsync(registry.Pipeline.Trained("eval-principals", "run-1"));
        await registry.Observer.WaitForAsync<ModelVersionRegistered>(e => e.ModelName == "eval-principals");
        var permitted = Evaluation("eval-principals", "accuracy-v2");
        var otherSuite = Evaluation("eval-principals", "fairness-v1");
        var notAnEvaluator = Evaluation("eval-principals", "accuracy-v2");
        var anonymous = Evaluation("eval-principals", "accuracy-v2");

        await registry.Observer.PublishAsAsync(BrokerUsers.Evaluator, permitted);
        await registry.Observer.PublishAsAsync(BrokerUsers.Evaluator, otherSuite);
        await registry.Observer.PublishAsAsync(BrokerUsers.Serving, notAnEvaluator);
        await registry.Observer.PublishAnonymouslyAsync(anonymous);

        await registry.Observer.WaitForAsync<EvaluationRecorded>(e => e.EvaluationId == permitted.EvaluationId);
        Assert.Equal(BrokerUsers.Evaluator, await AuditActorAsync("evaluation.recorded", permitted.EvaluationId));

        var suite = await registry.Observer.WaitForAsync<EvaluationRejected>(e => e.EvaluationId == otherSuite.EvaluationId);
        Assert.Equal((RejectionReasons.NotPermitted,
                $"{BrokerUsers.Evaluator} may not report evaluations of suite 'fairness-v1' under the access policy (docs/security.md)"),
            (suite.ReasonCode, suite.Message));
        Assert.Equal(BrokerUsers.Evaluator, await AuditActorAsync("evaluation.rejected", otherSuite.EvaluationId));
        var serving = await registry.Observer.WaitForAsync<EvaluationRejected>(e => e.EvaluationId == notAnEvaluator.EvaluationId);
        Assert.Equal(RejectionReasons.NotPermitted, serving.ReasonCode);
        Assert.Equal(BrokerUsers.Serving, await AuditActorAsync("evaluation.rejected", notAnEvaluator.EvaluationId));
        var unknown = await registry.Observer.WaitForAsync<EvaluationRejected>(e => e.EvaluationId == anonymous.EvaluationId);
        Assert.Equal(RejectionReasons.Unauthenticated, unknown.ReasonCode);
        Assert.Equal("svc:evaluation", await AuditActorAsync("evaluation.rejected", anonymous.EvaluationId));

        await using var c = await registry.DataSource.OpenConnectionAsync();
        Assert.Equal([RejectionReasons.NotPermitted, RejectionReasons.NotPermitted, RejectionReasons.Unauthenticated],
            (await c.QueryAsync<string>("SELECT reason_code FROM registry.rejections WHERE kind = 'evaluation' ORDER BY reason_code")).ToList());
        Assert.Equal(1, await c.ExecuteScalarAsync<long>("SELECT count(*) FROM registry.evaluations"));
    }
}
