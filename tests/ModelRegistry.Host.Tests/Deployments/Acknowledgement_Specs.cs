using System.Text.Json;
using ModelRegistry.Cli;
using ModelRegistry.Contracts.Deployments;
using ModelRegistry.Testing;
using static ModelRegistry.Host.Tests.Deployments.DeploySteps;
using static ModelRegistry.Host.Tests.Promotion.PromotionSteps;

namespace ModelRegistry.Host.Tests.Deployments;

/// <summary>
/// Deploy acknowledgement through a real host, broker and database (docs/deployments.md, "Acknowledgement"): real
/// promotions to production issue the DeployModelVersion; the test plays the serving platform. Instructions are due
/// 10 s after issue; the discovery audit runs every 2 s.
/// </summary>
public class Acknowledgement_Specs(AuditingRegistry registry) : IClassFixture<AuditingRegistry>
{
    private CliSettings Settings => new(registry.RabbitMq, registry.Database);

    [Fact]
    public async Task A_deploy_never_acknowledged_raises_deploy_not_acknowledged_exactly_once_and_a_failed_deployment_does_not_acknowledge()
    {
        var version = await RegisterAsync(registry, "never-deployed", "run-1");
        var request = Request("never-deployed", 1, "production");
        var deploy = await PromoteToProductionAsync(registry, request);
        // The platform tried and failed: that is no acknowledgement.
        await registry.Observer.PublishAsync(new DeploymentFailed
        {
            DeploymentId = "never-deployed-try-1", EndpointId = "never.prod", Environment = "production", ManifestDigest = version.ManifestDigest,
            FailedAt = DateTimeOffset.UtcNow, Reason = "image pull back-off", InstructionId = request.PromotionId,
        });
        await WaitRecordedAsync(registry, "never-deployed-try-1");

        var violation = await registry.Observer.WaitForAsync<PolicyViolationDetected>(v => v.InstructionId == request.PromotionId, Wait);

        Assert.Equal((DeploymentReasons.DeployNotAcknowledged, "never-deployed", 1, version.ManifestDigest, "production"),
            (violation.Kind, violation.ModelName, violation.Version, violation.ManifestDigest, violation.Environment));
        Assert.True(violation.DetectedAt >= deploy.IssuedAt + AuditingRegistry.AcknowledgementTimeout, $"raised {violation.DetectedAt:O}, issued {deploy.IssuedAt:O}");
        // Two more runs find it still unacknowledged and raise nothing new.
        var next = await AuditAfterAsync(registry, violation.DetectedAt);
        var later = await AuditAfterAsync(registry, next.StartedAt);
        Assert.Contains(request.PromotionId, later.UnacknowledgedDeploys);
        Assert.True(later.UnacknowledgedDeployCount >= later.UnacknowledgedDeploys.Count);
        Assert.Equal(1, await ViolationCountAsync(registry, request.PromotionId));
        Assert.Single(registry.Observer.All<PolicyViolationDetected>(), v => v.InstructionId == request.PromotionId);
        var row = await InstructionAsync(registry, request.PromotionId);
        Assert.Null(row!.AcknowledgedAt);
        Assert.Equal(violation.DetectedAt.UtcTicks / 10, row.ViolationRaisedAt!.Value.Ticks / 10); // PostgreSQL keeps microseconds
        Assert.Contains(await AuditOfAsync(registry, violation.ViolationId.ToString("D")), a => a.Action == "deployment.violation");

        var (_, shown, _) = await Cli_Specs.RunAsync(w => PromotionsCommand.ShowAsync(Settings, request.PromotionId.ToString(), json: true, w, default));
        Assert.Equal("not_acknowledged", shown.GetProperty("deployAcknowledgement").GetProperty("state").GetString());
        var (_, _, text) = await Cli_Specs.RunAsync(w => PromotionsCommand.ShowAsync(Settings, request.PromotionId.ToString(), json: false, w, default));
        Assert.Contains($"deploy acknowledged  NOT ACKNOWLEDGED (violation raised {Shown(row.ViolationRaisedAt.Value)}", text);
        var (exit, listed, _) = await Cli_Specs.RunAsync(w => ViolationsCommand.ListAsync(Settings, "deploy_not_acknowledged", 50, json: true, w, default));
        Assert.Equal(0, exit);
        var entry = Assert.Single(listed.EnumerateArray(), v => v.GetProperty("instructionId").GetGuid() == request.PromotionId);
        Assert.Equal(violation.ViolationId, entry.GetProperty("violationId").GetGuid());
    }

    [Fact]
    public async Task A_deploy_acknowledged_by_a_ModelDeployed_naming_the_instruction_raises_nothing_and_promotions_show_says_by_whom()
    {
        var version = await RegisterAsync(registry, "deployed-on-time", "run-1");
        var request = Request("deployed-on-time", 1, "production");
        var deploy = await PromoteToProductionAsync(registry, request);
        var deployed = Deployed("on-time.prod-eu", version.ManifestDigest, DateTimeOffset.UtcNow, request.PromotionId, environment: "prod-eu");
        await registry.Observer.PublishAsync(deployed);

        var row = await Eventually.UntilAsync(() => InstructionAsync(registry, request.PromotionId), r => r?.AcknowledgedAt is not null, Wait,
            "the instruction acknowledged");

        Assert.Equal((deployed.DeploymentId, "on-time.prod-eu"), (row!.AcknowledgedBy, row.AcknowledgedEndpoint));
        Assert.Equal(deployed.DeployedAt.UtcDateTime.Ticks / 10, row.AcknowledgedAt!.Value.Ticks / 10);
        // A run after the due time passes it over.
        var audit = await AuditAfterAsync(registry, deploy.IssuedAt + AuditingRegistry.AcknowledgementTimeout + TimeSpan.FromSeconds(1));
        Assert.DoesNotContain(request.PromotionId, audit.UnacknowledgedDeploys);
        Assert.Equal(0, await ViolationCountAsync(registry, request.PromotionId));
        Assert.Null((await InstructionAsync(registry, request.PromotionId))!.ViolationRaisedAt);
        Assert.Contains(await AuditOfAsync(registry, request.PromotionId.ToString("D")), a => a.Action == "deployment.instruction_acknowledged"
            && a.Details.Contains(deployed.DeploymentId));

        var (_, shown, _) = await Cli_Specs.RunAsync(w => PromotionsCommand.ShowAsync(Settings, request.PromotionId.ToString(), json: true, w, default));
        var ack = shown.GetProperty("deployAcknowledgement");
        Assert.Equal(("acknowledged", deployed.DeploymentId, "on-time.prod-eu", version.ManifestDigest),
            (ack.GetProperty("state").GetString(), ack.GetProperty("acknowledgedBy").GetString(), ack.GetProperty("acknowledgedEndpoint").GetString(),
                ack.GetProperty("manifestDigest").GetString()));
        Assert.Equal("Promoted", shown.GetProperty("state").GetString());
        var (_, _, text) = await Cli_Specs.RunAsync(w => PromotionsCommand.ShowAsync(Settings, request.PromotionId.ToString(), json: false, w, default));
        Assert.Contains($"deploy acknowledged  {Shown(row.AcknowledgedAt.Value)} by deployment {deployed.DeploymentId} on endpoint on-time.prod-eu",
            text);
    }

    [Fact]
    public async Task A_ModelDeployed_that_arrives_before_its_instruction_still_acknowledges_it()
    {
        var version = await RegisterAsync(registry, "deployed-early", "run-1");
        var request = Request("deployed-early", 1, "production");
        var deployed = Deployed("early.prod", version.ManifestDigest, DateTimeOffset.UtcNow, request.PromotionId);
        await registry.Observer.PublishAsync(deployed);
        await WaitRecordedAsync(registry, deployed.DeploymentId);
        Assert.Null(await InstructionAsync(registry, request.PromotionId));

        var deploy = await PromoteToProductionAsync(registry, request);

        var row = await Eventually.UntilAsync(() => InstructionAsync(registry, request.PromotionId), r => r is not null, Wait, "the instruction recorded");
        Assert.Equal((deployed.DeploymentId, "early.prod"), (row!.AcknowledgedBy, row.AcknowledgedEndpoint));
        await AuditAfterAsync(registry, deploy.IssuedAt + AuditingRegistry.AcknowledgementTimeout + TimeSpan.FromSeconds(1));
        Assert.Equal(0, await ViolationCountAsync(registry, request.PromotionId));
    }

    [Fact]
    public async Task Without_the_instruction_id_the_same_digest_deployed_in_production_acknowledges_and_a_staging_deployment_does_not()
    {
        var version = await RegisterAsync(registry, "deployed-by-digest", "run-1");
        var request = Request("deployed-by-digest", 1, "production");
        var deploy = await PromoteToProductionAsync(registry, request);
        var staging = Deployed("digest.staging", version.ManifestDigest, DateTimeOffset.UtcNow, environment: "staging");
        await registry.Observer.PublishAsync(staging);
        await WaitRecordedAsync(registry, staging.DeploymentId);
        Assert.Null((await InstructionAsync(registry, request.PromotionId))?.AcknowledgedAt);

        var production = Deployed("digest.prod", version.ManifestDigest, DateTimeOffset.UtcNow);
        await registry.Observer.PublishAsync(production);

        var row = await Eventually.UntilAsync(() => InstructionAsync(registry, request.PromotionId), r => r?.AcknowledgedAt is not null, Wait,
            "the instruction acknowledged by digest");
        Assert.Equal((production.DeploymentId, "digest.prod"), (row!.AcknowledgedBy, row.AcknowledgedEndpoint));
        Assert.True(production.DeployedAt >= deploy.IssuedAt);
    }

    /// <summary>A time as the CLI prints it (UTC, "u").</summary>
    private static string Shown(DateTime t) => DateTime.SpecifyKind(t, DateTimeKind.Utc).ToString("u", System.Globalization.CultureInfo.InvariantCulture);
}
