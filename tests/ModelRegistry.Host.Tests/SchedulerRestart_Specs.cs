using Dapper;
using ModelRegistry.Platform;
using ModelRegistry.Testing;

namespace ModelRegistry.Host.Tests;

/// <summary>A clean restart is not a failure: the stopped host leaves the Quartz cluster, so the next one recovers nobody.</summary>
public class SchedulerRestart_Specs(IsolatedEnvironment env) : IClassFixture<IsolatedEnvironment>
{
    // Quartz counts a member as failed once its last check-in is older than the check-in interval (5 s) plus the misfire
    // threshold (15 s): PlatformServices.
    private static readonly TimeSpan FailedAfter = TimeSpan.FromSeconds(5 + 15);

    [Fact]
    public async Task A_host_stopped_cleanly_leaves_no_member_behind_and_the_next_reports_no_failed_instance()
    {
        DateTime lastCheckin;
        await using (var first = HostProcess.StartHost(env.EnvironmentVariables, "--workers", "promotion"))
        {
            await first.WaitUntilStartedAsync();
            lastCheckin = await Eventually.UntilAsync(() => CheckinAsync(first), t => t is not null, TimeSpan.FromSeconds(30),
                "the first host's check-in") ?? default;
            first.Terminate();
            Assert.Equal(0, await first.WaitForExitAsync(TimeSpan.FromSeconds(60)));
            lastCheckin = await CheckinAsync(first) ?? lastCheckin;
            Assert.Equal([], await MembersAsync());
        }

        await using var second = HostProcess.StartHost(env.EnvironmentVariables, "--workers", "promotion");
        await second.WaitUntilStartedAsync();
        // A row left behind is recovered, with the warning, in the first check-in after this point.
        await Eventually.UntilAsync(() => CheckinAsync(second), t => t > lastCheckin + FailedAfter + TimeSpan.FromSeconds(1),
            TimeSpan.FromSeconds(60), "the second host checking in long after the first stopped");
        second.Terminate();
        Assert.Equal(0, await second.WaitForExitAsync(TimeSpan.FromSeconds(60)));
        Assert.DoesNotContain("failed or restarted instances", second.Output, StringComparison.Ordinal);
    }

    private async Task<IReadOnlyList<string>> MembersAsync()
    {
        await using var c = await env.DataSource.OpenConnectionAsync();
        return (await c.QueryAsync<string>($"SELECT instance_name FROM {QuartzSchema.TablePrefix}scheduler_state")).ToList();
    }

    /// <summary>The host's last check-in (Quartz stores .NET ticks, UTC), or null while it has none.</summary>
    private async Task<DateTime?> CheckinAsync(HostProcess host)
    {
        await using var c = await env.DataSource.OpenConnectionAsync();
        var ticks = await c.ExecuteScalarAsync<long?>(
            $"SELECT last_checkin_time FROM {QuartzSchema.TablePrefix}scheduler_state WHERE instance_name = @Instance",
            new { Instance = $"{Environment.MachineName}/{host.Id}" });
        return ticks is { } t ? new DateTime(t, DateTimeKind.Utc) : null;
    }
}
