using Dapper;
using ModelRegistry.Contracts;
using ModelRegistry.Testing;

namespace ModelRegistry.Host.Tests;

public class Evaluation_Specs(RunningRegistry registry) : IClassFixture<RunningRegistry>
{
    private async Task<ModelVersionRegistered> RegisterAsync(string model, string run)
    {
        await registry.Observer.PublishAsync(registry.Pipeline.Trained(model, run));
        return await registry.Observer.WaitForAsync<ModelVersionRegistered>(e => e.ModelName == model && e.TrainingRunId == run);
    }

    private static EvaluationCompleted Evaluation(string? model = null, int? version = null, string? digest = null) => new()
    {
        EvaluationId = Guid.NewGuid(),
        ModelName = model,
        Version = version,
        ArtifactDigest = digest,
        Suite = "accuracy-v2",
        Dataset = new DatasetRef { Name = "holdout", Version = "2026-11", Digest = "sha256:" + new string('b', 64) },
        Metrics = new() { ["accuracy"] = 0.93, ["f1"] = 0.91 },
        BiasAssessments = [new BiasAssessment { Attribute = "gender", Metric = "demographic_parity_difference", Value = 0.03 }],
        SecurityFindings = [new SecurityFinding { Id = "PICKLE-1", Severity = "medium", Title = "pickle in tokenizer" }],
        EvaluatedAt = DateTimeOffset.UtcNow,
    };

    [Fact]
    public async Task An_evaluation_by_name_and_version_is_attached_with_its_metrics()
    {
        var v = await RegisterAsync("eval-by-name", "run-1");
        var evaluation = Evaluation("eval-by-name", 1);
        await registry.Observer.PublishAsync(evaluation);

        var recorded = await registry.Observer.WaitForAsync<EvaluationRecorded>(e => e.EvaluationId == evaluation.EvaluationId);
        Assert.Equal(v.ModelVersionId, recorded.ModelVersionId);
        Assert.Equal("medium", recorded.MaxFindingSeverity);
        await using var c = await registry.DataSource.OpenConnectionAsync();
        var metrics = (await c.QueryAsync<(string Name, double Value)>(
            "SELECT name, value FROM registry.evaluation_metrics WHERE evaluation_id = @id ORDER BY name", new { id = evaluation.EvaluationId })).ToList();
        Assert.Equal([("accuracy", 0.93), ("f1", 0.91)], metrics);
    }

    [Fact]
    public async Task The_audit_record_of_an_evaluation_keeps_its_bias_slices_and_a_summary_of_its_findings()
    {
        await RegisterAsync("eval-audited", "run-1");
        var evaluation = Evaluation("eval-audited", 1) with
        {
            SecurityFindings =
            [
                new SecurityFinding { Id = "PICKLE-1", Severity = "medium", Title = "pickle in tokenizer" },
                new SecurityFinding { Id = "DEP-9", Severity = "low", Title = "unpinned dependency" },
                new SecurityFinding { Id = "DEP-10", Severity = "low", Title = "unpinned dependency" },
            ],
        };
        await registry.Observer.PublishAsync(evaluation);
        await registry.Observer.WaitForAsync<EvaluationRecorded>(e => e.EvaluationId == evaluation.EvaluationId);

        await using var c = await registry.DataSource.OpenConnectionAsync();
        var details = await Eventually.UntilAsync(() => c.ExecuteScalarAsync<string?>(
                "SELECT details::text FROM registry.audit_log WHERE action = 'evaluation.recorded' AND subject = @id", new { id = evaluation.EvaluationId.ToString() }),
            d => d is not null, TimeSpan.FromSeconds(30), "the evaluation.recorded record");
        using var json = System.Text.Json.JsonDocument.Parse(details!);
        var root = json.RootElement;
        var slice = Assert.Single(root.GetProperty("biasAssessments").EnumerateArray());
        Assert.Equal(("gender", "demographic_parity_difference", 0.03),
            (slice.GetProperty("attribute").GetString(), slice.GetProperty("metric").GetString(), slice.GetProperty("value").GetDouble()));
        Assert.Equal(3, root.GetProperty("securityFindings").GetInt32());
        Assert.Equal((1, 2), (root.GetProperty("findingCounts").GetProperty("medium").GetInt32(), root.GetProperty("findingCounts").GetProperty("low").GetInt32()));
        Assert.Equal(["PICKLE-1 (medium)", "DEP-10 (low)", "DEP-9 (low)"], root.GetProperty("findings").EnumerateArray().Select(f => f.GetString()));
    }

    [Fact]
    public async Task An_evaluation_by_artifact_digest_finds_its_version_and_a_repeat_is_recorded_once()
    {
        var v = await RegisterAsync("eval-by-digest", "run-1");
        var evaluation = Evaluation(digest: v.ManifestDigest);
        await registry.Observer.PublishAsync(evaluation);
        await registry.Observer.PublishAsync(evaluation);

        var recorded = await registry.Observer.WaitForAsync<EvaluationRecorded>(e => e.EvaluationId == evaluation.EvaluationId);
        Assert.Equal(("eval-by-digest", 1), (recorded.ModelName, recorded.Version));
        await using var c = await registry.DataSource.OpenConnectionAsync();
        await Eventually.UntilAsync(
            () => c.ExecuteScalarAsync<long>("SELECT count(*) FROM registry.inbox WHERE consumer = 'evaluation'"),
            n => n >= 2, TimeSpan.FromSeconds(30), "both deliveries processed");
        Assert.Equal(1, await c.ExecuteScalarAsync<long>("SELECT count(*) FROM registry.evaluations WHERE evaluation_id = @id", new { id = evaluation.EvaluationId }));
        Assert.Single(registry.Observer.All<EvaluationRecorded>(), e => e.EvaluationId == evaluation.EvaluationId);
    }

    [Fact]
    public async Task An_evaluation_for_an_unknown_version_is_refused_and_kept_for_inspection()
    {
        var evaluation = Evaluation("never-registered", 3);
        await registry.Observer.PublishAsync(evaluation);

        var rejected = await registry.Observer.WaitForAsync<EvaluationRejected>(e => e.EvaluationId == evaluation.EvaluationId);
        Assert.Equal(RejectionReasons.UnknownModelVersion, rejected.ReasonCode);
        Assert.Contains("never-registered version 3 is not registered", rejected.Message);
        await using var c = await registry.DataSource.OpenConnectionAsync();
        var kept = await c.QuerySingleAsync<(string Reason, string Payload)>(
            "SELECT reason_code, payload::text FROM registry.rejections WHERE kind = 'evaluation' AND subject = 'never-registered v3'");
        Assert.Equal(RejectionReasons.UnknownModelVersion, kept.Reason);
        Assert.Contains(evaluation.EvaluationId.ToString(), kept.Payload);
        Assert.Contains("\"accuracy\": 0.93", kept.Payload);
    }

    [Fact]
    public async Task An_evaluation_with_a_bad_metric_name_or_no_target_is_refused()
    {
        // (Non-finite values cannot even be written as JSON; the domain rules refuse them too.)
        var badName = Evaluation("eval-by-name", 1) with { Metrics = new() { ["Bad Metric!"] = 1.0 } };
        var noTarget = Evaluation();
        await registry.Observer.PublishAsync(badName);
        await registry.Observer.PublishAsync(noTarget);

        var refused = await registry.Observer.WaitForAsync<EvaluationRejected>(e => e.EvaluationId == badName.EvaluationId);
        Assert.Equal(RejectionReasons.InvalidName, refused.ReasonCode);
        Assert.Contains("metrics", refused.Message);
        Assert.Equal(RejectionReasons.InvalidValue, (await registry.Observer.WaitForAsync<EvaluationRejected>(e => e.EvaluationId == noTarget.EvaluationId)).ReasonCode);
    }

    [Fact]
    public async Task An_evaluation_holding_a_NUL_is_refused_and_kept_for_inspection()
    {
        var nul = Evaluation("eval-nul\0model", 1) with { Suite = "suite\0with-nul" };
        await registry.Observer.PublishAsync(nul);

        var refused = await registry.Observer.WaitForAsync<EvaluationRejected>(e => e.EvaluationId == nul.EvaluationId);
        Assert.Equal(RejectionReasons.InvalidName, refused.ReasonCode);
        await using var c = await registry.DataSource.OpenConnectionAsync();
        var kept = await c.QuerySingleAsync<(string Subject, string Suite)>(
            "SELECT subject, payload->>'suite' FROM registry.rejections WHERE kind = 'evaluation' AND payload->>'evaluationId' = @id",
            new { id = nul.EvaluationId.ToString() });
        Assert.Equal(("eval-nul\uFFFDmodel v1", "suite\uFFFDwith-nul"), kept);
    }
}
