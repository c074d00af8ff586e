using System.Text.Json;
using Dapper;
using ModelRegistry.Contracts;
using ModelRegistry.Contracts.Deployments;
using ModelRegistry.Contracts.Promotion;
using ModelRegistry.Platform;
using ModelRegistry.Testing;
using MassTransit;

namespace ModelRegistry.Host.Tests.Deployments;

/// <summary>
/// Who may report deployments, triage shadow models, ask for admission, issue deploy instructions and fire the discovery
/// audit, over the real broker and a real host with a narrow access policy (docs/deployments.md, "Serving principals"):
/// every refusal is kept (rejection event, row and audit record) and the audit actor is the broker's principal.
/// </summary>
public class ServingPrincipals_Specs(ServingPrincipals_Specs.NarrowRegistry registry) : IClassFixture<ServingPrincipals_Specs.NarrowRegistry>
{
    /// <summary>The development serving user serves staging only; a second platform serves production; triage is a role of its own.</summary>
    public sealed class NarrowRegistry : RunningRegistry
    {
        public const string ProductionPlatform = "prod-platform";
        public const string Triager = "triager";

        protected override string? AccessPolicyJson => $$"""
            {
              "registry": ["{{BrokerUsers.Workers}}"],
              "principals": {
                "{{BrokerUsers.Pipeline}}": { "teams": ["*"] },
                "{{BrokerUsers.Serving}}": { "environments": ["staging"] },
                "{{ProductionPlatform}}": { "environments": ["production"] },
                "{{BrokerUsers.Operator}}": { "roles": ["requester", "canceller", "on-call", "governance", "probe"] },
                "{{Triager}}": { "roles": ["triage"] }
              }
            }
            """;
    }

    private static readonly DateTimeOffset T0 = new(2026, 11, 26, 12, 0, 0, TimeSpan.Zero);

    private static string NewId(string prefix) => prefix + "-" + Guid.NewGuid().ToString("N")[..8];

    private static string NewDigest() => "sha256:" + Convert.ToHexStringLower(Guid.NewGuid().ToByteArray()) + Convert.ToHexStringLower(Guid.NewGuid().ToByteArray());

    private static ModelDeployed Deployed(string endpoint, string environment, string digest) => new()
    {
        DeploymentId = endpoint + "/d1", EndpointId = endpoint, Environment = environment, ManifestDigest = digest, TrafficPercent = 100,
        DeployedAt = T0, DeployedBy = "kserve-controller",
    };

    private static EndpointInventoryReported Heartbeat(string endpoint, string environment, string digest) =>
        Inventory_Specs.Heartbeat(endpoint, T0.AddMinutes(1), (digest, 100)) with { Environment = environment };

    private async Task<(string Actor, JsonElement Details)> AuditAsync(string action, string subject)
    {
        await using var c = await registry.DataSource.OpenConnectionAsync();
        var row = await c.QuerySingleAsync<(string Actor, string Details)>(
            "SELECT actor, details::text FROM registry.audit_log WHERE action = @action AND subject = @subject", new { action, subject });
        return (row.Actor, JsonDocument.Parse(row.Details).RootElement.Clone());
    }

    private async Task<long> CountAsync(string sql, object parameters)
    {
        await using var c = await registry.DataSource.OpenConnectionAsync();
        return await c.ExecuteScalarAsync<long>(sql, parameters);
    }

    [Fact]
    public async Task A_deployment_event_outside_the_senders_environments_or_without_a_sender_is_refused_kept_and_audited()
    {
        var production = NewId("prod-ep");
        var anonymous = NewId("anon-ep");
        var undeployed = NewId("undeploy-ep");
        var failed = NewId("failed-ep");
        await registry.Observer.PublishAsAsync(BrokerUsers.Serving, Deployed(production, "production", NewDigest()));
        await registry.Observer.PublishAnonymouslyAsync(Deployed(anonymous, "staging", NewDigest()));
        await registry.Observer.PublishAsAsync(BrokerUsers.Serving, new ModelUndeployed
        {
            DeploymentId = "u1", EndpointId = undeployed, Environment = "production", UndeployedAt = T0,
        });
        await registry.Observer.PublishAsAsync(BrokerUsers.Pipeline, new DeploymentFailed
        {
            DeploymentId = "f1", EndpointId = failed, Environment = "staging", ManifestDigest = NewDigest(), FailedAt = T0, Reason = "OOM",
        });

        var notPermitted = await registry.Observer.WaitForAsync<DeploymentEventRejected>(e => e.EndpointId == production);
        Assert.Equal(("ModelDeployed", RejectionReasons.NotPermitted,
                $"{BrokerUsers.Serving} may not report deployments in environment 'production' under the access policy (docs/security.md)"),
            (notPermitted.MessageType, notPermitted.ReasonCode, notPermitted.Message));
        Assert.Equal(RejectionReasons.Unauthenticated, (await registry.Observer.WaitForAsync<DeploymentEventRejected>(e => e.EndpointId == anonymous)).ReasonCode);
        var u = await registry.Observer.WaitForAsync<DeploymentEventRejected>(e => e.EndpointId == undeployed);
        Assert.Equal(("ModelUndeployed", RejectionReasons.NotPermitted), (u.MessageType, u.ReasonCode));
        var f = await registry.Observer.WaitForAsync<DeploymentEventRejected>(e => e.EndpointId == failed);
        Assert.Equal(("DeploymentFailed", RejectionReasons.NotPermitted), (f.MessageType, f.ReasonCode));

        Assert.Equal(BrokerUsers.Serving, (await AuditAsync("deployment.rejected", production)).Actor);
        Assert.Equal("svc:deployments", (await AuditAsync("deployment.rejected", anonymous)).Actor);
        Assert.Equal(BrokerUsers.Pipeline, (await AuditAsync("deployment.rejected", failed)).Actor);
        Assert.Equal(2, await CountAsync("SELECT count(*) FROM registry.rejections WHERE kind = 'deployment' AND subject = ANY(@s)",
            new { s = new[] { $"ModelDeployed {production}", $"ModelDeployed {anonymous}" } }));
        Assert.Equal(0, await CountAsync("SELECT count(*) FROM registry.endpoints WHERE endpoint_id = ANY(@e)",
            new { e = new[] { production, anonymous, undeployed, failed } }));
    }

    [Fact]
    public async Task A_deployment_in_the_senders_environment_is_recorded_with_the_principal_as_who_reported_it()
    {
        var endpoint = NewId("staging-ep");
        await registry.Observer.PublishAsAsync(BrokerUsers.Serving, Deployed(endpoint, "staging", NewDigest()));

        await registry.Observer.WaitForAsync<DeploymentRecorded>(e => e.EndpointId == endpoint);
        var (actor, details) = await AuditAsync("deployment.deployed", endpoint);
        Assert.Equal((BrokerUsers.Serving, "kserve-controller", BrokerUsers.Serving),
            (actor, details.GetProperty("by").GetString(), details.GetProperty("reportedBy").GetString()));
        await using var c = await registry.DataSource.OpenConnectionAsync();
        Assert.Equal(BrokerUsers.Serving, await c.ExecuteScalarAsync<string>(
            "SELECT details->>'reportedBy' FROM registry.deployment_events WHERE endpoint_id = @endpoint", new { endpoint }));
    }

    [Fact]
    public async Task In_a_batch_of_heartbeats_only_the_ones_whose_sender_may_not_report_them_are_refused()
    {
        var digest = NewDigest();
        var good = NewId("hb-good");
        var wrongEnvironment = NewId("hb-prod");
        var anonymous = NewId("hb-anon");
        await Task.WhenAll(
            registry.Observer.PublishAsAsync(BrokerUsers.Serving, Heartbeat(good, "staging", digest)),
            registry.Observer.PublishAsAsync(BrokerUsers.Serving, Heartbeat(wrongEnvironment, "production", digest)),
            registry.Observer.PublishAnonymouslyAsync(Heartbeat(anonymous, "staging", digest)));

        var refused = await registry.Observer.WaitForAsync<DeploymentEventRejected>(e => e.EndpointId == wrongEnvironment);
        Assert.Equal(("EndpointInventoryReported", RejectionReasons.NotPermitted), (refused.MessageType, refused.ReasonCode));
        Assert.Equal(RejectionReasons.Unauthenticated, (await registry.Observer.WaitForAsync<DeploymentEventRejected>(e => e.EndpointId == anonymous)).ReasonCode);
        await Eventually.UntilAsync(() => CountAsync("SELECT count(*) FROM registry.shadow_sightings WHERE endpoint_id = @good", new { good }),
            n => n == 1, TimeSpan.FromSeconds(60), "the permitted heartbeat's sighting");
        Assert.Equal(BrokerUsers.Serving, (await AuditAsync("deployment.inventory_changed", good)).Actor);
        Assert.Equal(BrokerUsers.Serving, (await AuditAsync("deployment.rejected", wrongEnvironment)).Actor);
        Assert.Equal(0, await CountAsync("SELECT count(*) FROM registry.endpoints WHERE endpoint_id = ANY(@e)", new { e = new[] { wrongEnvironment, anonymous } }));
    }

    [Fact]
    public async Task A_report_that_moves_a_known_endpoint_out_of_an_environment_its_sender_may_not_serve_is_refused()
    {
        var endpoint = NewId("prod-owned");
        await registry.Observer.PublishAsAsync(NarrowRegistry.ProductionPlatform, Deployed(endpoint, "production", NewDigest()));
        await registry.Observer.WaitForAsync<DeploymentRecorded>(e => e.EndpointId == endpoint);

        // The staging platform claims the production endpoint as one of its own, later than its deployment.
        await registry.Observer.PublishAsAsync(BrokerUsers.Serving, Heartbeat(endpoint, "staging", NewDigest()));

        var refused = await registry.Observer.WaitForAsync<DeploymentEventRejected>(e => e.EndpointId == endpoint);
        Assert.Equal((RejectionReasons.NotPermitted,
                $"{BrokerUsers.Serving} may not report endpoint '{endpoint}' of environment 'production' (the message says 'staging') under the access policy (docs/security.md)"),
            (refused.ReasonCode, refused.Message));
        await using var c = await registry.DataSource.OpenConnectionAsync();
        Assert.Equal("production", await c.ExecuteScalarAsync<string>("SELECT environment FROM registry.endpoints WHERE endpoint_id = @endpoint", new { endpoint }));
        Assert.Equal(1, await c.ExecuteScalarAsync<long>("SELECT count(*) FROM registry.deployment_events WHERE endpoint_id = @endpoint", new { endpoint }));
        Assert.Equal(NarrowRegistry.ProductionPlatform, (await AuditAsync("deployment.deployed", endpoint)).Actor);
    }

    [Fact]
    public async Task Shadow_triage_needs_the_triage_role_and_is_recorded_as_the_principal()
    {
        var digest = NewDigest();
        var endpoint = NewId("shadow-ep");
        await registry.Observer.PublishAsAsync(NarrowRegistry.ProductionPlatform, Heartbeat(endpoint, "production", digest));
        await Eventually.UntilAsync(() => CountAsync("SELECT count(*) FROM registry.shadow_sightings WHERE manifest_digest = @digest", new { digest }),
            n => n == 1, TimeSpan.FromSeconds(60), "the sighting");
        DismissShadowModel Dismiss() => new() { RequestId = Guid.NewGuid(), ManifestDigest = digest, Reason = "vendor model", RequestedBy = "olivia" };

        var byOperator = Dismiss();
        await registry.Observer.PublishAsAsync(BrokerUsers.Operator, byOperator);
        var anonymous = Dismiss();
        await registry.Observer.PublishAnonymouslyAsync(anonymous);
        var byTriager = Dismiss();
        await registry.Observer.PublishAsAsync(NarrowRegistry.Triager, byTriager);

        var refused = await registry.Observer.WaitForAsync<ShadowModelTriaged>(e => e.RequestId == byOperator.RequestId);
        Assert.Equal(("refused", RejectionReasons.NotPermitted, BrokerUsers.Operator), (refused.Outcome, refused.ReasonCode, refused.TriagedBy));
        var unknown = await registry.Observer.WaitForAsync<ShadowModelTriaged>(e => e.RequestId == anonymous.RequestId);
        Assert.Equal(("refused", RejectionReasons.Unauthenticated, (string?)null), (unknown.Outcome, unknown.ReasonCode, unknown.TriagedBy));
        var dismissed = await registry.Observer.WaitForAsync<ShadowModelTriaged>(e => e.RequestId == byTriager.RequestId);
        Assert.Equal(("dismissed", NarrowRegistry.Triager), (dismissed.Outcome, dismissed.TriagedBy));

        await using var c = await registry.DataSource.OpenConnectionAsync();
        var audit = (await c.QueryAsync<(string Action, string Actor, string RequestId, string RequestedBy)>(
            "SELECT action, actor, details->>'requestId', details->>'requestedBy' FROM registry.audit_log WHERE subject = @digest AND action IN ('shadow.refused', 'shadow.adopted', 'shadow.dismissed')",
            new { digest })).ToDictionary(a => Guid.Parse(a.RequestId));
        Assert.Equal(("shadow.refused", BrokerUsers.Operator, "olivia"), (audit[byOperator.RequestId].Action, audit[byOperator.RequestId].Actor,
            audit[byOperator.RequestId].RequestedBy));
        Assert.Equal(("shadow.refused", "svc:deployments"), (audit[anonymous.RequestId].Action, audit[anonymous.RequestId].Actor));
        Assert.Equal(("shadow.dismissed", NarrowRegistry.Triager, "olivia"), (audit[byTriager.RequestId].Action, audit[byTriager.RequestId].Actor,
            audit[byTriager.RequestId].RequestedBy));
        Assert.Equal(NarrowRegistry.Triager, await c.ExecuteScalarAsync<string>("SELECT triaged_by FROM registry.shadow_triage WHERE manifest_digest = @digest",
            new { digest }));
    }

    [Fact]
    public async Task Deploy_instructions_and_audit_firings_from_anyone_but_the_registry_are_refused_and_not_acted_on()
    {
        var instruction = new DeployModelVersion
        {
            DeploymentId = Guid.NewGuid(), ModelName = "forged", Version = 1, ManifestDigest = NewDigest(), Cause = "promotion", IssuedAt = DateTimeOffset.UtcNow,
        };
        await registry.Observer.PublishAsAsync(BrokerUsers.Operator, instruction);
        var due = new DiscoveryAuditDue { ScheduledFor = DateTimeOffset.UtcNow.AddYears(1), FiredAt = DateTimeOffset.UtcNow };
        await registry.Observer.PublishAsAsync(BrokerUsers.Serving, due);

        var refused = await registry.Observer.WaitForAsync<DeploymentEventRejected>(e => e.DeploymentId == instruction.DeploymentId.ToString("D"));
        Assert.Equal(("DeployModelVersion", RejectionReasons.NotPermitted), (refused.MessageType, refused.ReasonCode));
        Assert.StartsWith($"{BrokerUsers.Operator} may not issue deploy instructions", refused.Message);
        var audit = await registry.Observer.WaitForAsync<DeploymentEventRejected>(e => e.MessageType == "DiscoveryAuditDue");
        Assert.Equal(RejectionReasons.NotPermitted, audit.ReasonCode);

        Assert.Equal(0, await CountAsync("SELECT count(*) FROM registry.deploy_instructions WHERE instruction_id = @id", new { id = instruction.DeploymentId }));
        Assert.Equal(BrokerUsers.Operator, await RejectedByAsync("DeployModelVersion"));
        Assert.Equal(BrokerUsers.Serving, await RejectedByAsync("DiscoveryAuditDue"));
    }

    private async Task<string> RejectedByAsync(string messageType)
    {
        await using var c = await registry.DataSource.OpenConnectionAsync();
        return await c.QuerySingleAsync<string>(
            "SELECT actor FROM registry.audit_log WHERE action = 'deployment.rejected' AND details->>'messageType' = @messageType", new { messageType });
    }

    [Fact]
    public async Task Admission_is_denied_not_permitted_to_a_platform_that_does_not_serve_the_environment()
    {
        await using var platform = await ServingPlatform.StartAsync(registry);
        var request = new CheckDeploymentAdmission
        {
            EndpointId = "adm-ep", Environment = "production", ManifestDigest = NewDigest(), TrafficPercent = 100,
        };

        var production = await platform.Admission.GetResponse<DeploymentAdmitted, DeploymentDenied>(request);
        var staging = await platform.Admission.GetResponse<DeploymentAdmitted, DeploymentDenied>(request with { Environment = "staging" });

        Assert.True(production.Is(out Response<DeploymentDenied>? denied));
        var reason = Assert.Single(denied!.Message.Reasons);
        Assert.Equal((DeploymentReasons.NotPermitted, $"{BrokerUsers.Serving} may not report deployments in environment 'production' under the access policy (docs/security.md)"),
            (reason.Code, reason.Message));
        // The environment it serves is checked against the policy as before: whatever the answer, not for who asked.
        Assert.DoesNotContain(staging.Is(out Response<DeploymentDenied>? other) ? other!.Message.Reasons : [], r => r.Code == DeploymentReasons.NotPermitted);
    }

    [Fact]
    public async Task A_probe_from_a_principal_without_the_probe_role_goes_to_the_error_queue_and_is_not_recorded()
    {
        var refused = new RunProbe { ProbeId = Guid.NewGuid(), RequestedBy = "principals-spec", RequestedAt = DateTimeOffset.UtcNow };
        var allowed = new RunProbe { ProbeId = Guid.NewGuid(), RequestedBy = "principals-spec", RequestedAt = DateTimeOffset.UtcNow };
        await registry.Observer.PublishAsAsync(BrokerUsers.Serving, refused);
        await registry.Observer.PublishAsAsync(BrokerUsers.Operator, allowed);

        await Eventually.UntilAsync(() => CountAsync("SELECT count(*) FROM registry.probes WHERE probe_id = @id", new { id = allowed.ProbeId }),
            n => n == 1, TimeSpan.FromSeconds(60), "the operator's probe");
        await Eventually.UntilAsync(async () => (await QueueInspector.InspectAsync(registry.RabbitMq, ["probe_error"])).Single().Messages,
            n => n >= 1, TimeSpan.FromSeconds(60), "the refused probe in probe_error");
        Assert.Equal(0, await CountAsync("SELECT count(*) FROM registry.probes WHERE probe_id = @id", new { id = refused.ProbeId }));
    }
}
