using Dapper;
using ModelRegistry.Contracts.Deployments;
using ModelRegistry.Testing;
using static ModelRegistry.Host.Tests.Deployments.DeploySteps;
using static ModelRegistry.Host.Tests.Promotion.PromotionSteps;

namespace ModelRegistry.Host.Tests.Deployments;

/// <summary>The scheduled discovery audit through a real host (every 2 s), broker and database (docs/deployments.md, "Discovery audit").</summary>
public class DiscoveryAudit_Specs(AuditingRegistry registry) : IClassFixture<AuditingRegistry>
{
    private static string Digest(char c) => "sha256:" + new string(c, 64);

    [Fact]
    public async Task A_run_lists_silent_endpoints_unregistered_digests_and_retired_versions_still_serving_and_is_audited()
    {
        var now = DateTimeOffset.UtcNow;
        // Silent: deployed two hours ago, nothing heard since (threshold: 10 minutes). An unregistered digest, too.
        var silent = Deployed("audit-silent.prod", Digest('c'), now.AddHours(-2));
        // Heard from now, serving an unregistered digest; and one serving a digest triaged as dismissed.
        var lively = Deployed("audit-lively.prod", Digest('d'), now);
        var dismissed = Deployed("audit-dismissed.prod", Digest('e'), now);
        // Taken down two hours ago: silent since, but nothing serves there, so it is not reported.
        var gone = Deployed("audit-gone.prod", Digest('f'), now.AddHours(-3));
        foreach (var e in new[] { silent, lively, dismissed, gone }) await registry.Observer.PublishAsync(e);
        await registry.Observer.PublishAsync(new ModelUndeployed
        {
            DeploymentId = gone.DeploymentId, EndpointId = gone.EndpointId, Environment = "production", UndeployedAt = now.AddHours(-2), Reason = "decommissioned",
        });
        await using (var c = await registry.DataSource.OpenConnectionAsync())
        {
            await c.ExecuteAsync("""
                INSERT INTO registry.shadow_triage (manifest_digest, status, reason, triaged_by, triaged_at, request_id)
                VALUES (@digest, 'dismissed', 'a vendor model under contract', 'olivia', now(), gen_random_uuid())
                """, new { digest = Digest('e') });
        }
        // Retired and still serving: v1 deployed, then v2 promoted to production retires v1 while the endpoint keeps it.
        var v1 = await RegisterAsync(registry, "audit-retiring", "run-1");
        await RegisterAsync(registry, "audit-retiring", "run-2");
        await PromoteToProductionAsync(registry, Request("audit-retiring", 1, "production"));
        var retiredServing = Deployed("audit-retiring.prod", v1.ManifestDigest, DateTimeOffset.UtcNow);
        await registry.Observer.PublishAsync(retiredServing);
        await PromoteToProductionAsync(registry, Request("audit-retiring", 2, "production"));
        foreach (var e in new[] { silent, lively, dismissed, retiredServing }) await WaitRecordedAsync(registry, e.DeploymentId);
        await Eventually.UntilAsync(() => StageAsync(registry, "audit-retiring", 1), s => s == "retired", Wait, "v1 retired");
        var ready = DateTimeOffset.UtcNow;

        var audit = await AuditAfterAsync(registry, ready);

        Assert.Contains("audit-silent.prod", audit.SilentEndpoints);
        Assert.DoesNotContain("audit-lively.prod", audit.SilentEndpoints);
        Assert.DoesNotContain("audit-gone.prod", audit.SilentEndpoints);
        Assert.Contains($"audit-silent.prod {Digest('c')}", audit.UnregisteredServing);
        Assert.Contains($"audit-lively.prod {Digest('d')}", audit.UnregisteredServing);
        Assert.DoesNotContain(audit.UnregisteredServing, u => u.Contains(Digest('e'), StringComparison.Ordinal) || u.Contains(Digest('f'), StringComparison.Ordinal));
        Assert.Contains("audit-retiring.prod audit-retiring v1", audit.RetiredServing);
        Assert.True(audit.Endpoints >= 5, $"{audit.Endpoints} endpoints");
        Assert.Equal((audit.SilentEndpoints.Count, audit.UnregisteredServing.Count, audit.RetiredServing.Count),
            (audit.SilentEndpointCount, audit.UnregisteredServingCount, audit.RetiredServingCount)); // all listed: fewer than 100
        Assert.True(audit.CompletedAt >= audit.StartedAt);

        // The run is kept and audited with the same counts.
        await using var db = await registry.DataSource.OpenConnectionAsync();
        var summary = await db.ExecuteScalarAsync<string>("SELECT summary::text FROM registry.discovery_audits WHERE audit_id = @id", new { id = audit.AuditId });
        Assert.Contains("audit-silent.prod", summary);
        var record = Assert.Single(await AuditOfAsync(registry, audit.AuditId.ToString("D")));
        Assert.Equal(("deployment.discovery_audit", "svc:deployments"), (record.Action, record.Actor));
        Assert.Contains($"\"silentEndpoints\": {audit.SilentEndpointCount}", record.Details);
        Assert.Contains($"\"unregisteredServing\": {audit.UnregisteredServingCount}", record.Details);
    }

    [Fact]
    public async Task A_version_retired_while_it_serves_is_raised_by_the_audit_once()
    {
        // v1 is production when the endpoint deploys it (no violation then); v2's promotion retires it, and no endpoint
        // event follows: only the audit can see that a retired version serves.
        var v1 = await RegisterAsync(registry, "audit-raise-retired", "run-1");
        await RegisterAsync(registry, "audit-raise-retired", "run-2");
        await PromoteToProductionAsync(registry, Request("audit-raise-retired", 1, "production"));
        var serving = Deployed("audit-raise-retired.prod", v1.ManifestDigest, DateTimeOffset.UtcNow);
        await registry.Observer.PublishAsync(serving);
        await WaitRecordedAsync(registry, serving.DeploymentId);
        await using var db = await registry.DataSource.OpenConnectionAsync();
        const string Raised = "SELECT count(*) FROM registry.policy_violations WHERE kind = 'retired_serving' AND endpoint_id = 'audit-raise-retired.prod'";
        Assert.Equal(0, await db.ExecuteScalarAsync<long>(Raised));

        await PromoteToProductionAsync(registry, Request("audit-raise-retired", 2, "production"));
        await Eventually.UntilAsync(() => StageAsync(registry, "audit-raise-retired", 1), s => s == "retired", Wait, "v1 retired");
        var first = await AuditAfterAsync(registry, DateTimeOffset.UtcNow);
        await AuditAfterAsync(registry, first.CompletedAt);

        Assert.Equal(1, await db.ExecuteScalarAsync<long>(Raised));
        var message = await db.ExecuteScalarAsync<string>(Raised.Replace("count(*)", "message", StringComparison.Ordinal));
        Assert.Contains("retired", message);
    }

    [Fact]
    public async Task An_interval_recorded_before_its_digest_was_registered_is_linked_to_the_version_by_the_next_run()
    {
        var v = await RegisterAsync(registry, "audit-late-registered", "run-1");
        await using var db = await registry.DataSource.OpenConnectionAsync();
        // As the store leaves an interval whose digest no version had when its endpoint's history was last rebuilt.
        await db.ExecuteAsync("""
            INSERT INTO registry.endpoints (endpoint_id, environment, first_seen_at, last_event_at) VALUES ('audit-late.dev', 'dev', now(), now());
            INSERT INTO registry.deployment_intervals (endpoint_id, environment, deployment_id, manifest_digest, traffic_percent, served, source)
            VALUES ('audit-late.dev', 'dev', 'late-1', @digest, 100, tstzrange(now() - interval '1 hour', NULL, '[)'), 'reported');
            """, new { digest = v.ManifestDigest });

        await AuditAfterAsync(registry, DateTimeOffset.UtcNow);

        var linked = await db.QuerySingleAsync<(Guid? VersionId, string? ModelName, int? Version)>(
            "SELECT version_id, model_name, version FROM registry.deployment_intervals WHERE endpoint_id = 'audit-late.dev'");
        Assert.Equal(((Guid?)v.ModelVersionId, "audit-late-registered", (int?)1), linked);
    }

    [Fact]
    public async Task With_two_hosts_running_the_worker_each_firing_runs_once()
    {
        await using var second = HostProcess.StartHost(registry.HostEnvironment);
        await second.WaitUntilStartedAsync();
        var from = DateTimeOffset.UtcNow;
        var last = from;
        for (var i = 0; i < 4; i++) last = (await AuditAfterAsync(registry, last)).StartedAt;

        await using var db = await registry.DataSource.OpenConnectionAsync();
        var scheduled = (await db.QueryAsync<DateTime>("""
            SELECT (details->>'scheduledFor')::timestamptz FROM registry.audit_log
            WHERE action = 'deployment.discovery_audit' AND (details->>'startedAt')::timestamptz BETWEEN @from AND @upTo
            ORDER BY 1
            """, new { from = from.UtcDateTime, upTo = last.UtcDateTime.AddMilliseconds(1) })).ToList();
        Assert.True(scheduled.Count >= 4, $"{scheduled.Count} runs");
        // One run per firing (every 2 s on the even second), whichever host fired it and whichever ran it.
        Assert.Equal(scheduled.Count, scheduled.Distinct().Count());
        Assert.All(scheduled, t => Assert.Equal((0, 0), (t.Second % 2, t.Millisecond)));
        second.Terminate();
        Assert.Equal(0, await second.WaitForExitAsync(TimeSpan.FromSeconds(60)));
    }
}
