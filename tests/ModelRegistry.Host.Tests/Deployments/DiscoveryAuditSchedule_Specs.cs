using Dapper;
using ModelRegistry.Platform;
using ModelRegistry.Testing;

namespace ModelRegistry.Host.Tests.Deployments;

/// <summary>The discovery audit's Quartz job and cron trigger, as the hosts that run the deployments worker register them.</summary>
public class DiscoveryAuditSchedule_Specs(IsolatedEnvironment env) : IClassFixture<IsolatedEnvironment>
{
    private const string Hourly = "0 0 * * * ?";
    private const string Daily = "0 30 2 * * ?";

    [Fact]
    public async Task Hosts_register_one_job_with_the_configured_cron_and_a_changed_cron_replaces_the_trigger()
    {
        await using (var first = await StartAsync(Hourly))
        await using (var second = await StartAsync(Hourly))
        {
            Assert.Equal([("discovery-audit", Hourly, "UTC")], await TriggersAsync());
            Assert.Equal(1, await JobsAsync());
            await first.WaitForOutputAsync("Discovery audit scheduled: cron '0 0 * * * ?'", TimeSpan.FromSeconds(5));
            // The second found it as configured and left it (its next firing) alone.
            Assert.DoesNotContain("Discovery audit scheduled", second.Output, StringComparison.Ordinal);
            foreach (var host in new[] { first, second })
            {
                host.Terminate();
                Assert.Equal(0, await host.WaitForExitAsync(TimeSpan.FromSeconds(60)));
            }
        }

        await using var changed = await StartAsync(Daily);
        Assert.Equal([("discovery-audit", Daily, "UTC")], await TriggersAsync());
        Assert.Equal(1, await JobsAsync());
        await changed.WaitForOutputAsync($"replacing '{Hourly}'", TimeSpan.FromSeconds(5));
    }

    private async Task<HostProcess> StartAsync(string cron)
    {
        var host = HostProcess.StartHost(new Dictionary<string, string>(env.EnvironmentVariables) { ["Deployments__AuditSchedule"] = cron },
            "--workers", "deployments");
        await host.WaitUntilStartedAsync();
        return host;
    }

    private async Task<List<(string, string, string)>> TriggersAsync()
    {
        await using var c = await env.DataSource.OpenConnectionAsync();
        return (await c.QueryAsync<(string, string, string)>($"""
            SELECT t.job_name, ct.cron_expression, ct.time_zone_id
            FROM {QuartzSchema.TablePrefix}triggers t
            JOIN {QuartzSchema.TablePrefix}cron_triggers ct USING (sched_name, trigger_name, trigger_group)
            WHERE t.job_group = 'deployments'
            """)).ToList();
    }

    private async Task<long> JobsAsync()
    {
        await using var c = await env.DataSource.OpenConnectionAsync();
        return await c.ExecuteScalarAsync<long>($"SELECT count(*) FROM {QuartzSchema.TablePrefix}job_details WHERE job_group = 'deployments'");
    }
}
