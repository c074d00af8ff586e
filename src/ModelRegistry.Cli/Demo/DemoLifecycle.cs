using System.Diagnostics;
using ModelRegistry.Contracts;

namespace ModelRegistry.Cli.Demo;

/// <summary>
/// The sample lifecycle, read top to bottom: what each actor does, in order, under the shipped promotion policy
/// (config/promotion-policy.json). Every run is a new round of training: the same three models get new versions, numbered
/// after the ones earlier runs left, so nothing of an earlier run is changed and nothing is duplicated.
/// </summary>
internal sealed class DemoLifecycle(TrainingPipelineActor pipeline, EvaluationJobActor evaluator, ReleaseManagerActor release, OnCallActor oncall,
    DemoLog log)
{
    public const string Name = "demo";
    public const string BaseModel = "demo-fraud-base";
    public const string Scorer = "demo-fraud-scorer";
    public const string Churn = "demo-churn-predictor";

    public async Task RunAsync(string round, CancellationToken ct)
    {
        var clock = Stopwatch.StartNew();

        // A base model, three fine-tunes of it (medium risk), and an unrelated low-risk model.
        var fraudBase = await pipeline.TrainAsync(Recipe(BaseModel, "low", "base", "Demo: a card-transaction encoder that demo-fraud-scorer is fine-tuned from.",
            "fraud", ("learning_rate", 0.001), ("epochs", 20)), null, ct);
        var good = await pipeline.TrainAsync(FineTune("ft-a", 0.0002, 5), fraudBase, ct);
        var better = await pipeline.TrainAsync(FineTune("ft-b", 0.0001, 8), fraudBase, ct);
        var rushed = await pipeline.TrainAsync(FineTune("ft-c", 0.0005, 2), fraudBase, ct);
        var churn = await pipeline.TrainAsync(Recipe(Churn, "low", "churn", "Demo: predicts which customers will cancel next month.",
            "churn", ("max_depth", 6), ("trees", 300)), null, ct);

        // Benchmark, bias and security results; the rushed retrain misses the production accuracy gate (0.88).
        await EvaluateScorerAsync(good, 0.912, 0.021, [new SecurityFinding { Id = "MODELSCAN-PKL-0001", Severity = "low", Title = "unused pickle file in tokenizer/" }], ct);
        await EvaluateScorerAsync(better, 0.931, 0.018, [], ct);
        await EvaluateScorerAsync(rushed, 0.861, 0.047, [], ct);
        await evaluator.BenchmarkAsync(churn, "smoke", new Dictionary<string, double> { ["auc"] = 0.83, ["rows"] = 200 }, ct);

        // Staging needs nothing; production needs the gates and a model-risk-officer (medium) or model-owner (low).
        await release.PromoteAsync(good, "staging", "First fine-tune of the new base model.", ct);
        await release.PromoteAsync(good, "production", "Replaces the rules engine for card payments.", ct,
            TicketDecision.Approve("Gates pass; lineage and datasets reviewed."));
        await release.PromoteAsync(better, "staging", "Longer fine-tune, better accuracy.", ct);
        await release.PromoteAsync(better, "production", "Accuracy +1.9 points over production.", ct,
            TicketDecision.Approve("Better on every metric; parity within limits."));
        await release.PromoteAsync(rushed, "staging", "Quick retrain on fresh data.", ct);
        await release.PromoteExpectingRefusalAsync(rushed, "production", "Fresh data should help.", "gates_failed", ct);
        await release.PromoteAsync(churn, "staging", "First churn model.", ct);
        await release.PromoteExpectingRefusalAsync(churn, "production", "Ready for the retention campaign.", "approval_rejected", ct,
            TicketDecision.Reject("The smoke suite covered 200 rows only; rerun it on the full holdout."));

        // Break-glass: the version that just took production misbehaves; the one before it comes back at once.
        var rolledBack = await oncall.RollbackAsync(Scorer, better.Version, $"INC-DEMO-{round}", $"v{better.Version} flags refunds as fraud", ct);

        log.Line(Name, $"done in {clock.Elapsed.TotalSeconds:0.0} s: {Scorer} v{rolledBack.RestoredVersion} in production (v{rolledBack.RetiredVersion} " +
            $"rolled back), v{rushed.Version} in staging (failed the accuracy gate); {Churn} v{churn.Version} in staging (production rejected); " +
            $"{BaseModel} v{fraudBase.Version} registered");
        log.Line(Name, $"look around: ./mreg models list; ./mreg models show {Scorer}; ./mreg versions show {Scorer} {good.Version}; " +
            $"./mreg artifact verify {Scorer} {good.Version}; ./mreg promotions list --model {Scorer}; ./mreg audit list --model {Scorer}");
    }

    private async Task EvaluateScorerAsync(TrainedVersion version, double accuracy, double parity, IReadOnlyList<SecurityFinding> findings,
        CancellationToken ct)
    {
        await evaluator.BenchmarkAsync(version, "accuracy-v2", new Dictionary<string, double>
        {
            ["accuracy"] = accuracy,
            ["macro_f1"] = Math.Round(accuracy - 0.04, 3),
            ["p99_latency_ms"] = 42,
        }, ct);
        await evaluator.BiasAsync(version, new Dictionary<string, double> { ["customer_region"] = parity, ["age_band"] = Math.Round(parity * 1.5, 3) }, ct);
        await evaluator.SecurityScanAsync(version, findings, ct);
    }

    private static ModelRecipe FineTune(string variant, double learningRate, int epochs) =>
        Recipe(Scorer, "medium", variant, $"Demo: scores card payments for fraud; fine-tuned from {BaseModel}.", "fraud",
            ("learning_rate", learningRate), ("epochs", epochs));

    private static ModelRecipe Recipe(string model, string tier, string variant, string description, string family,
        params (string Key, object Value)[] hyperparameters) =>
        new(model, tier, variant, description, family, family == "fraud" ? "card-transactions" : "customer-activity",
            hyperparameters.ToDictionary(h => h.Key, h => h.Value));
}
