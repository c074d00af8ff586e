using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Dapper;
using ModelRegistry.Contracts.Deployments;
using ModelRegistry.Testing;

namespace ModelRegistry.Host.Tests;

/// <summary>
/// Heartbeats (EndpointInventoryReported) through the real broker to a real host: the batch consumer on
/// deployment-inventory, the history it reconciles and the shadow models it announces (docs/deployments.md,
/// "Inventory (heartbeats) and shadow models").
/// </summary>
public class Inventory_Specs(RunningRegistry registry) : IClassFixture<RunningRegistry>
{
    private const string Queue = "deployment-inventory";
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(60);
    private static readonly DateTimeOffset T0 = new(2026, 11, 26, 12, 0, 0, TimeSpan.Zero);
    private static readonly HttpClient Management = new();

    private static string NewDigest() => "sha256:" + Convert.ToHexStringLower(Guid.NewGuid().ToByteArray()) + Convert.ToHexStringLower(Guid.NewGuid().ToByteArray());

    internal static EndpointInventoryReported Heartbeat(string endpoint, DateTimeOffset at, params (string Digest, double Traffic)[] served) => new()
    {
        EndpointId = endpoint,
        Environment = "production",
        Platform = "kserve",
        ReportedAt = at,
        Models = served.Select(s => new ServedModel { ManifestDigest = s.Digest, TrafficPercent = s.Traffic, ModelName = "fraud-shadow" }).ToList(),
    };

    [Fact]
    public async Task An_unknown_digest_in_many_heartbeats_is_announced_once_per_endpoint_and_writes_no_row_after_the_first()
    {
        var digest = NewDigest();
        var endpoints = new[] { "inv-a-" + Guid.NewGuid().ToString("N")[..6], "inv-b-" + Guid.NewGuid().ToString("N")[..6] };
        // The first heartbeat of each alone, then 49 more each in five waves, each wave consumed before the next: several batches.
        await PublishAndDrainAsync(endpoints.Select(e => Heartbeat(e, T0, (digest, 100))));
        for (var wave = 0; wave < 5; wave++)
            await PublishAndDrainAsync(Enumerable.Range(1 + wave * 10, wave == 4 ? 9 : 10)
                .SelectMany(i => endpoints.Select(e => Heartbeat(e, T0.AddSeconds(i), (digest, 100)))));

        await using var c = await registry.DataSource.OpenConnectionAsync();
        foreach (var endpoint in endpoints)
        {
            var sighting = await c.QuerySingleAsync<(string Environment, DateTime FirstSeen, double Traffic, string Name)>(
                "SELECT environment, first_seen_at, traffic_percent, reported_name FROM registry.shadow_sightings WHERE endpoint_id = @endpoint AND manifest_digest = @digest",
                new { endpoint, digest });
            Assert.Equal(("production", T0.UtcDateTime, 100.0, "fraud-shadow"), sighting);
            var interval = await c.QuerySingleAsync<(string Source, DateTime From, bool Open, Guid? VersionId)>(
                "SELECT source, lower(served), upper_inf(served), version_id FROM registry.deployment_intervals WHERE endpoint_id = @endpoint", new { endpoint });
            Assert.Equal(("observed", T0.UtcDateTime, true, (Guid?)null), interval);
            // 50 heartbeats, one stored event: the unchanged ones wrote no event, and within a minute not even last_reported_at.
            Assert.Equal(1, await c.ExecuteScalarAsync<long>("SELECT count(*) FROM registry.deployment_events WHERE endpoint_id = @endpoint", new { endpoint }));
            Assert.Equal(T0.UtcDateTime, await c.ExecuteScalarAsync<DateTime>("SELECT last_reported_at FROM registry.endpoints WHERE endpoint_id = @endpoint", new { endpoint }));
        }
        Assert.Equal(2, await c.ExecuteScalarAsync<long>(
            "SELECT count(*) FROM registry.audit_log WHERE action = 'shadow.detected' AND subject = @digest", new { digest }));
        var detected = await Eventually.UntilAsync(() => Task.FromResult(registry.Observer.All<UnregisteredModelDetected>().Where(d => d.ManifestDigest == digest).ToList()),
            d => d.Count >= 2, Wait, "UnregisteredModelDetected for both endpoints");
        Assert.Equal(endpoints.Order(), detected.Select(d => d.EndpointId).Order());
        Assert.All(detected, d => Assert.Equal(("inventory", T0, 100.0), (d.Source, d.FirstSeenAt, d.TrafficPercent)));
    }

    [Fact]
    public async Task A_digest_no_longer_reported_closes_its_interval_and_the_other_keeps_serving()
    {
        var (gone, stays) = (NewDigest(), NewDigest());
        var endpoint = "inv-close-" + Guid.NewGuid().ToString("N")[..6];
        await PublishAndDrainAsync([Heartbeat(endpoint, T0, (gone, 50), (stays, 50))]);
        await PublishAndDrainAsync([Heartbeat(endpoint, T0.AddSeconds(30), (stays, 100))]);

        await using var c = await registry.DataSource.OpenConnectionAsync();
        var intervals = (await c.QueryAsync<(string Digest, double Traffic, DateTime From, DateTime? To, string? ClosedBy)>("""
            SELECT manifest_digest, traffic_percent, lower(served), CASE WHEN upper_inf(served) THEN NULL ELSE upper(served) END, closed_by
            FROM registry.deployment_intervals WHERE endpoint_id = @endpoint ORDER BY lower(served), manifest_digest
            """, new { endpoint })).ToList();
        var expected = new List<(string, double, DateTime, DateTime?, string?)>
        {
            (gone, 50, T0.UtcDateTime, T0.AddSeconds(30).UtcDateTime, "inventory"),
            (stays, 50, T0.UtcDateTime, T0.AddSeconds(30).UtcDateTime, "inventory"),
            (stays, 100, T0.AddSeconds(30).UtcDateTime, null, null),
        };
        Assert.Equal(expected.OrderBy(e => e.Item3).ThenBy(e => e.Item1, StringComparer.Ordinal), intervals);
    }

    [Fact]
    public async Task A_refused_heartbeat_is_kept_with_its_reason_and_the_rest_of_its_batch_is_recorded()
    {
        var digest = NewDigest();
        var (good, bad) = ("inv-good-" + Guid.NewGuid().ToString("N")[..6], "inv-bad-" + Guid.NewGuid().ToString("N")[..6]);
        await PublishAndDrainAsync([Heartbeat(good, T0, (digest, 100)), Heartbeat(bad, T0, (digest, 60), (digest, 40))]);

        await using var c = await registry.DataSource.OpenConnectionAsync();
        var refused = await c.QuerySingleAsync<(string Code, string Reason)>(
            "SELECT reason_code, reason FROM registry.rejections WHERE kind = 'deployment' AND subject = @subject", new { subject = $"EndpointInventoryReported {bad}" });
        Assert.Equal(("invalid_value", $"models[1].manifestDigest: {digest} is listed twice; report each artifact once with its whole share"), refused);
        Assert.Equal(1, await c.ExecuteScalarAsync<long>("SELECT count(*) FROM registry.deployment_intervals WHERE endpoint_id = @good", new { good }));
        Assert.Equal(0, await c.ExecuteScalarAsync<long>("SELECT count(*) FROM registry.endpoints WHERE endpoint_id = @bad", new { bad }));
    }

    /// <summary>Publishes the heartbeats and waits until the broker counted every one of them acknowledged by the host.</summary>
    private async Task PublishAndDrainAsync(IEnumerable<EndpointInventoryReported> heartbeats)
    {
        var before = await AcknowledgedAsync();
        var list = heartbeats.ToList();
        foreach (var h in list) await registry.Observer.PublishAsync(h);
        await Eventually.UntilAsync(AcknowledgedAsync, n => n >= before + list.Count, Wait, $"{list.Count} heartbeats acknowledged on {Queue}");
    }

    // The management API's count of deliveries acknowledged on the queue (refreshed every few seconds by the broker).
    private async Task<long> AcknowledgedAsync()
    {
        var settings = TestSettings.Load();
        using var request = new HttpRequestMessage(HttpMethod.Get,
            $"http://{settings.RabbitMq.Host}:{settings.ManagementPort}/api/queues/{Uri.EscapeDataString(registry.VirtualHost)}/{Queue}");
        request.Headers.Authorization = new AuthenticationHeaderValue("Basic",
            Convert.ToBase64String(Encoding.UTF8.GetBytes($"{settings.AdminUsername}:{settings.AdminPassword}")));
        using var response = await Management.SendAsync(request);
        response.EnsureSuccessStatusCode();
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return json.RootElement.TryGetProperty("message_stats", out var stats) && stats.TryGetProperty("ack", out var ack) ? ack.GetInt64() : 0;
    }
}
