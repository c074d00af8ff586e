using Dapper;
using ModelRegistry.Contracts;
using ModelRegistry.Contracts.Promotion;
using ModelRegistry.Testing;
using ModelRegistry.Promotion.Rules;

namespace ModelRegistry.Host.Tests.Promotion;

/// <summary>Steps the promotion tests share: register a version, promote it, read its stage and audit trail.</summary>
public static class PromotionSteps
{
    public static async Task<ModelVersionRegistered> RegisterAsync(RunningRegistry registry, string model, string run, string riskTier)
    {
        await registry.Observer.PublishAsync(registry.Pipeline.Trained(model, run) with { RiskTier = riskTier });
        return await registry.Observer.WaitForAsync<ModelVersionRegistered>(e => e.ModelName == model && e.TrainingRunId == run);
    }

    /// <summary>The settings <c>mreg</c> runs with as a person would: the operator's broker user, whose user_id it sends.</summary>
    public static Dictionary<string, string> AsOperator(IsolatedEnvironment env)
    {
        var settings = new Dictionary<string, string>(env.EnvironmentVariables)
        {
            ["RabbitMq__Username"] = BrokerUsers.Operator,
            ["RabbitMq__Password"] = BrokerUsers.PasswordOf(BrokerUsers.Operator),
        };
        return settings;
    }

    public static RequestPromotion Request(string model, int version, string stage, string by = "erin") => new()
    {
        PromotionId = Guid.NewGuid(),
        ModelName = model,
        Version = version,
        TargetStage = stage,
        RequestedBy = by,
        Reason = $"promote {model}/{version} to {stage}",
        ChangeTicket = "CHG-1001",
    };

    /// <summary>Publishes the request and waits for its outcome event.</summary>
    public static Task<object> PromoteAsync(RunningRegistry registry, RequestPromotion request) => PromoteAsync(registry.Observer, request);

    /// <inheritdoc cref="PromoteAsync(RunningRegistry, RequestPromotion)"/>
    public static async Task<object> PromoteAsync(RegistryObserver observer, RequestPromotion request, TimeSpan? timeout = null)
    {
        await observer.PublishAsync(request);
        return await OutcomeAsync(observer, request.PromotionId, timeout);
    }

    public static Task<object> OutcomeAsync(RunningRegistry registry, Guid promotionId, TimeSpan? timeout = null) =>
        OutcomeAsync(registry.Observer, promotionId, timeout);

    /// <summary>The promotion's outcome event: ModelVersionPromoted, PromotionRejected or PromotionCancelled.</summary>
    public static Task<object> OutcomeAsync(RegistryObserver observer, Guid promotionId, TimeSpan? timeout = null) =>
        observer.WaitForAsync<object>(e => e switch
        {
            ModelVersionPromoted p => p.PromotionId == promotionId,
            PromotionRejected r => r.PromotionId == promotionId,
            PromotionCancelled c => c.PromotionId == promotionId,
            _ => false,
        }, timeout);

    public static async Task<string> StageAsync(IsolatedEnvironment env, string model, int version)
    {
        await using var c = await env.DataSource.OpenConnectionAsync();
        return await c.ExecuteScalarAsync<string>("""
            SELECT coalesce(s.stage, 'registered') FROM registry.model_versions v JOIN registry.models m USING (model_id)
            LEFT JOIN registry.version_stages s ON s.version_id = v.version_id WHERE m.name = @model AND v.version = @version
            """, new { model, version }) ?? throw new InvalidOperationException($"no {model}/{version}");
    }

    public static async Task<string> PromotionStateAsync(IsolatedEnvironment env, Guid promotionId)
    {
        await using var c = await env.DataSource.OpenConnectionAsync();
        return await c.ExecuteScalarAsync<string>("SELECT state FROM registry.promotions WHERE promotion_id = @promotionId", new { promotionId }) ?? "";
    }

    /// <summary>The audit actions recorded about a promotion (subject) in order, with their details as JSON text.</summary>
    public static async Task<List<(string Action, string Actor, string Details)>> AuditOfAsync(IsolatedEnvironment env, string subject)
    {
        await using var c = await env.DataSource.OpenConnectionAsync();
        return (await c.QueryAsync<(string, string, string)>(
            "SELECT action, actor, details::text FROM registry.audit_log WHERE subject = @subject ORDER BY sequence", new { subject })).ToList();
    }

    public static EvaluationCompleted Evaluation(string model, int version, double accuracy, string suite = "accuracy") => new()
    {
        EvaluationId = Guid.NewGuid(),
        ModelName = model,
        Version = version,
        Suite = suite,
        Dataset = new DatasetRef { Name = "holdout", Version = "2026-11", Digest = "sha256:" + new string('b', 64) },
        Metrics = new() { ["accuracy"] = accuracy },
        EvaluatedAt = DateTimeOffset.UtcNow,
    };
}
