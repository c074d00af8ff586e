using Dapper;
using ModelRegistry.Contracts.Deployments;
using ModelRegistry.Host.Tests.Promotion;
using ModelRegistry.Testing;

namespace ModelRegistry.Host.Tests.Deployments;

/// <summary>
/// What serves is checked against the environment policy (the built-in one) after each recorded event, over the real
/// broker, database and host: each breach is raised once, with its row and audit record.
/// </summary>
public class DeploymentPolicy_Specs(RunningRegistry registry) : IClassFixture<RunningRegistry>, IAsyncLifetime
{
    private ServingPlatform platform = null!;

    public async Task InitializeAsync() => platform = await ServingPlatform.StartAsync(registry);

    public async Task DisposeAsync() => await platform.DisposeAsync();

    private async Task<List<(string Kind, string Message)>> ViolationsOfAsync(string endpoint)
    {
        await using var c = await registry.DataSource.OpenConnectionAsync();
        return (await c.QueryAsync<(string, string)>(
            "SELECT kind, message FROM registry.policy_violations WHERE endpoint_id = @endpoint ORDER BY detected_at", new { endpoint })).ToList();
    }

    [Fact]
    public async Task A_production_endpoint_serving_a_staging_version_raises_stage_not_allowed_once()
    {
        var v = await PromotionSteps.RegisterAsync(registry, "policy-staged", "run-1", "low");
        Assert.IsType<ModelRegistry.Contracts.Promotion.ModelVersionPromoted>(
            await PromotionSteps.PromoteAsync(registry, PromotionSteps.Request("policy-staged", v.Version, "staging")));
        const string endpoint = "fraud.prod-1";
        var deployed = ServingPlatform.Deployed(endpoint, "production", "policy-staged", v.Version, 100);

        await platform.DeployAsync(deployed);
        var violation = await platform.WaitForAsync<PolicyViolationDetected>(e => e.EndpointId == endpoint);
        var expected = $"{endpoint}: policy-staged v1 is in stage staging, which may not serve in production " +
                       "(allowed there: canary (at most 10 % of traffic), production)";
        Assert.Equal((DeploymentReasons.StageNotAllowed, "production", "policy-staged", 1, v.ManifestDigest, expected),
            (violation.Kind, violation.Environment, violation.ModelName, violation.Version, violation.ManifestDigest, violation.Message));

        // Reported again: the same event redelivered, a traffic shift, and a second deployment of the same version.
        await platform.PublishAsync(deployed);
        await platform.DeployAsync(deployed with { TrafficPercent = 60, DeployedAt = deployed.DeployedAt.AddSeconds(1) });
        await platform.DeployAsync(deployed with { DeploymentId = "second", TrafficPercent = 40, DeployedAt = deployed.DeployedAt.AddSeconds(2) });

        Assert.Equal([(DeploymentReasons.StageNotAllowed, expected)], await ViolationsOfAsync(endpoint));
        Assert.Single(platform.All<PolicyViolationDetected>(), e => e.EndpointId == endpoint);
        await using var c = await registry.DataSource.OpenConnectionAsync();
        var audited = await Eventually.UntilAsync(() => c.QueryAsync<(string Actor, string Details)>(
                "SELECT actor, details::text FROM registry.audit_log WHERE action = 'deployment.violation' AND subject = @id",
                new { id = violation.ViolationId.ToString() }),
            rows => rows.Any(), TimeSpan.FromSeconds(30), "the deployment.violation audit record");
        var record = Assert.Single(audited);
        Assert.Equal("svc:deployments", record.Actor);
        Assert.Contains("\"kind\": \"stage_not_allowed\"", record.Details);
        Assert.Contains("\"modelVersion\": \"policy-staged/1\"", record.Details);
    }

    [Fact]
    public async Task A_canary_version_above_its_traffic_cap_in_production_raises_stage_not_allowed_and_within_it_does_not()
    {
        // The test promotion policy has no path to canary, so the stage is written as the promotion worker would.
        var v = await PromotionSteps.RegisterAsync(registry, "policy-canary", "run-1", "low");
        await ServingPlatform.SeedStageAsync(registry, v.ModelVersionId, "canary");

        await platform.DeployAsync(ServingPlatform.Deployed("fraud.prod-canary-ok", "production", "policy-canary", 1, 10));
        await platform.DeployAsync(ServingPlatform.Deployed("fraud.prod-canary-high", "production", "policy-canary", 1, 25));

        var violation = await platform.WaitForAsync<PolicyViolationDetected>(e => e.EndpointId == "fraud.prod-canary-high");
        Assert.Equal((DeploymentReasons.StageNotAllowed,
                "fraud.prod-canary-high: policy-canary v1 is in stage canary, which may take at most 10 % of traffic in production, not 25 %"),
            (violation.Kind, violation.Message));
        Assert.Empty(await ViolationsOfAsync("fraud.prod-canary-ok"));
    }

    [Fact]
    public async Task A_retired_version_serving_anywhere_and_an_unknown_model_in_production_are_violations()
    {
        var v1 = await PromotionSteps.RegisterAsync(registry, "policy-retired", "run-1", "low");
        var v2 = await PromotionSteps.RegisterAsync(registry, "policy-retired", "run-2", "low");
        await PromotionSteps.PromoteAsync(registry, PromotionSteps.Request("policy-retired", v1.Version, "production"));
        await PromotionSteps.PromoteAsync(registry, PromotionSteps.Request("policy-retired", v2.Version, "production"));
        Assert.Equal("retired", await PromotionSteps.StageAsync(registry, "policy-retired", v1.Version));

        await platform.DeployAsync(ServingPlatform.Deployed("fraud.dev-1", "dev", "policy-retired", v1.Version, 100));
        var unknown = ServingPlatform.Deployed("fraud.prod-shadow", "production", "never-registered", 1, 100) with
        {
            ModelName = null, Version = null, ManifestDigest = "sha256:" + new string('e', 64),
        };
        await platform.DeployAsync(unknown);

        Assert.Equal([(DeploymentReasons.RetiredServing, "fraud.dev-1: policy-retired v1 is retired: a retired version serves nowhere")],
            await ViolationsOfAsync("fraud.dev-1"));
        Assert.Equal([(DeploymentReasons.UnregisteredServing,
                $"fraud.prod-shadow: {unknown.ManifestDigest} is not a registered version, and production serves registered versions only: register it first")],
            await ViolationsOfAsync("fraud.prod-shadow"));
    }
}
