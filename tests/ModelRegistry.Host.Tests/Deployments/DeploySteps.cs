using Dapper;
using ModelRegistry.Contracts;
using ModelRegistry.Contracts.Deployments;
using ModelRegistry.Contracts.Promotion;
using ModelRegistry.Testing;

namespace ModelRegistry.Host.Tests.Deployments;

/// <summary>Steps the deployments tests share: a version in production by a real promotion, what a serving platform sends, reads.</summary>
public static class DeploySteps
{
    public static readonly TimeSpan Wait = TimeSpan.FromSeconds(60);

    public static async Task<ModelVersionRegistered> RegisterAsync(AuditingRegistry registry, string model, string run)
    {
        await registry.Observer.PublishAsync(registry.Pipeline.Trained(model, run) with { RiskTier = "low" });
        return await registry.Observer.WaitForAsync<ModelVersionRegistered>(e => e.ModelName == model && e.TrainingRunId == run);
    }

    /// <summary>Promotes to production (tier low: no gates, no approvals) and returns the deploy instruction it issued.</summary>
    public static async Task<DeployModelVersion> PromoteToProductionAsync(AuditingRegistry registry, RequestPromotion request)
    {
        Assert.IsType<ModelVersionPromoted>(await Promotion.PromotionSteps.PromoteAsync(registry.Observer, request));
        return await registry.Observer.WaitForAsync<DeployModelVersion>(d => d.DeploymentId == request.PromotionId);
    }

    public static ModelDeployed Deployed(string endpoint, string digest, DateTimeOffset at, Guid? instruction = null, string environment = "production") => new()
    {
        DeploymentId = $"{endpoint}-{Guid.NewGuid():N}"[..40],
        EndpointId = endpoint,
        Environment = environment,
        ManifestDigest = digest,
        TrafficPercent = 100,
        DeployedAt = at,
        DeployedBy = "kserve-controller",
        InstructionId = instruction,
    };

    public sealed record InstructionRow(DateTime DueAt, DateTime? AcknowledgedAt, string? AcknowledgedBy, string? AcknowledgedEndpoint,
        DateTime? ViolationRaisedAt);

    public static async Task<InstructionRow?> InstructionAsync(IsolatedEnvironment env, Guid id)
    {
        await using var c = await env.DataSource.OpenConnectionAsync();
        return await c.QuerySingleOrDefaultAsync<InstructionRow>("""
            SELECT due_at AS DueAt, acknowledged_at AS AcknowledgedAt, acknowledged_by AS AcknowledgedBy, acknowledged_endpoint AS AcknowledgedEndpoint,
                   violation_raised_at AS ViolationRaisedAt
            FROM registry.deploy_instructions WHERE instruction_id = @id
            """, new { id });
    }

    public static async Task<long> ViolationCountAsync(IsolatedEnvironment env, Guid instruction)
    {
        await using var c = await env.DataSource.OpenConnectionAsync();
        return await c.ExecuteScalarAsync<long>("SELECT count(*) FROM registry.policy_violations WHERE instruction_id = @instruction", new { instruction });
    }

    /// <summary>Waits until the serving platform's event is in the history (the deployments worker took it).</summary>
    public static Task WaitRecordedAsync(IsolatedEnvironment env, string deploymentId) =>
        Eventually.UntilAsync(async () =>
        {
            await using var c = await env.DataSource.OpenConnectionAsync();
            return await c.ExecuteScalarAsync<long>("SELECT count(*) FROM registry.deployment_events WHERE deployment_id = @deploymentId", new { deploymentId });
        }, n => n > 0, Wait, $"deployment {deploymentId} recorded");

    /// <summary>The first audit run that started after <paramref name="after"/> (by the host's clock).</summary>
    public static Task<DiscoveryAuditCompleted> AuditAfterAsync(AuditingRegistry registry, DateTimeOffset after) =>
        registry.Observer.WaitForAsync<DiscoveryAuditCompleted>(a => a.StartedAt > after, Wait);
}
