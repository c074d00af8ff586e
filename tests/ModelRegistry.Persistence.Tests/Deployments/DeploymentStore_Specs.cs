using Dapper;
using ModelRegistry.Contracts;
using ModelRegistry.Contracts.Deployments;
using ModelRegistry.Deployments;
using ModelRegistry.Deployments.Rules;
using ModelRegistry.Platform.Rules;
using ModelRegistry.Registration;
using ModelRegistry.Registration.Rules;
using ModelRegistry.Testing;
using static ModelRegistry.Testing.DeploymentScript;

namespace ModelRegistry.Persistence.Tests.Deployments;

/// <summary>
/// DeploymentStore on a real PostgreSQL: an endpoint's intervals are a function of the set of its distinct events,
/// whatever order and however often they arrive, and each distinct event is announced once.
/// </summary>
public class DeploymentStore_Specs(IsolatedEnvironment env) : IClassFixture<IsolatedEnvironment>
{
    private const int Orders = 20;

    public sealed record IntervalRow(string Environment, string DeploymentId, Guid? VersionId, string? ModelName, int? Version, string? ManifestDigest,
        double TrafficPercent, DateTime From, DateTime? To, string Source, string? ClosedBy);

    private const string IntervalsSql = """
        SELECT environment AS Environment, deployment_id AS DeploymentId, version_id AS VersionId, model_name AS ModelName, version AS Version,
               manifest_digest AS ManifestDigest, traffic_percent AS TrafficPercent, lower(served) AS From, upper(served) AS To,
               source AS Source, closed_by AS ClosedBy
        FROM registry.deployment_intervals WHERE endpoint_id = @endpoint
        ORDER BY lower(served), deployment_id, upper(served) NULLS LAST
        """;

    private async Task<List<ModelVersionRegistered>> RegisterAsync(string model, int versions)
    {
        var pipeline = new TrainingPipeline(env.SourceRoot);
        var store = new RegistrationStore(env.DataSource);
        var registered = new List<ModelVersionRegistered>();
        for (var i = 1; i <= versions; i++)
        {
            var m = pipeline.Trained(model, $"run-{i}");
            var result = await store.RegisterAsync(m, RegistrationRules.IdempotencyKey(m), ManifestDigest.Compute(m.Artifact!.Files),
                m.Artifact.Files.Select(f => new StoredFile(f, f.Sha256, f.Size)).ToList(), Guid.NewGuid(), DateTimeOffset.UtcNow, default);
            registered.Add(result.Registered ?? throw new InvalidOperationException($"{model}: {result.Rejected?.Message}"));
        }
        return registered;
    }

    private static DeploymentInput Input(object message) => message switch
    {
        ModelDeployed e => DeploymentInput.From(e),
        ModelUndeployed e => DeploymentInput.From(e),
        DeploymentFailed e => DeploymentInput.From(e),
        EndpointInventoryReported e => DeploymentInput.From(e),
        _ => throw new ArgumentException(message.GetType().Name),
    };

    private async Task<List<IntervalRow>> IntervalsAsync(string endpoint)
    {
        await using var c = await env.DataSource.OpenConnectionAsync();
        return (await c.QueryAsync<IntervalRow>(IntervalsSql, new { endpoint })).ToList();
    }

    [Fact]
    public async Task The_same_events_in_twenty_orders_with_duplicates_give_identical_intervals_and_one_announcement_each()
    {
        var v = await RegisterAsync("orders-model", 2);
        var store = new DeploymentStore(env.DataSource);
        var random = new Random(1207);
        var endpoints = Enumerable.Range(0, Orders + 1).Select(k => $"orders-ep-{k}").ToList();

        // Endpoint 0 gets the events in order, once; the others in a shuffled order with repeats, half of them by several
        // writers at once (several hosts), a repeat under its first message id (a redelivery) or a new one (a second publisher).
        for (var k = 0; k <= Orders; k++)
        {
            var events = Events(endpoints[k], "orders-model", v[0].ManifestDigest, v[1].ManifestDigest, inventory: true).Select(Input).ToList();
            var arrivals = k == 0 ? events.Select(e => (e, false)).ToList() : Arrival(events, random);
            var ids = events.ToDictionary(e => e.Key, _ => Guid.NewGuid());
            var deliveries = arrivals.Select(a => (Input: a.Item1, MessageId: a.Item2 && random.Next(2) == 0 ? Guid.NewGuid() : ids[a.Item1.Key])).ToList();
            if (k % 2 == 0)
                foreach (var d in deliveries) await store.RecordAsync(d.Input, d.MessageId, DateTimeOffset.UtcNow, default);
            else
                await Parallel.ForEachAsync(deliveries, new ParallelOptions { MaxDegreeOfParallelism = 4 },
                    async (d, ct) => await store.RecordAsync(d.Input, d.MessageId, DateTimeOffset.UtcNow, ct));
        }

        var inOrder = await IntervalsAsync(endpoints[0]);
        Assert.Equal(
        [
            ("d1", 100.0, 0, (int?)5, "replaced"),
            ("d1", 40, 5, 10, "undeployed"),
            ("d2", 60, 5, 20, "undeployed"),
            ("d3", 10, 8, 15, "failed"),
            ("observed:" + UnknownDigest('d'), 5, 12, 25, "inventory"),
            ("d1", 100, 20, null, null),
        ], inOrder.Select(r => (r.DeploymentId, r.TrafficPercent, Minute(r.From), r.To is { } to ? Minute(to) : (int?)null, r.ClosedBy)));
        Assert.Equal([v[0].ModelVersionId, v[0].ModelVersionId, v[1].ModelVersionId, null, null, v[0].ModelVersionId], inOrder.Select(r => r.VersionId));
        Assert.Equal(v[1].ManifestDigest, inOrder[2].ManifestDigest); // d2 named its version; the row keeps its digest
        for (var k = 1; k <= Orders; k++) Assert.Equal(inOrder, await IntervalsAsync(endpoints[k]));

        await using var c = await env.DataSource.OpenConnectionAsync();
        var announced = (await c.QueryAsync<(string Endpoint, string Type, long Count)>("""
            SELECT body::jsonb->>'endpointId', message_type, count(*) FROM registry.outbox
            WHERE message_type IN ('DeploymentRecorded', 'UnregisteredModelDetected') AND body::jsonb->>'endpointId' LIKE 'orders-ep-%'
            GROUP BY 1, 2
            """)).ToList();
        foreach (var endpoint in endpoints)
        {
            // Eight distinct deploy, undeploy and failure events; two unregistered digests (X by d3, Y in a heartbeat).
            Assert.Equal(8, announced.Single(a => a.Endpoint == endpoint && a.Type == "DeploymentRecorded").Count);
            Assert.Equal(2, announced.Single(a => a.Endpoint == endpoint && a.Type == "UnregisteredModelDetected").Count);
        }
        var sightings = (await c.QueryAsync<(string Endpoint, string Digest, DateTime First, DateTime Last, double Traffic)>("""
            SELECT endpoint_id, manifest_digest, first_seen_at, last_seen_at, traffic_percent FROM registry.shadow_sightings
            WHERE endpoint_id LIKE 'orders-ep-%' ORDER BY endpoint_id, manifest_digest
            """)).ToLookup(s => s.Endpoint, s => (s.Digest, Minute(s.First), Minute(s.Last), s.Traffic));
        Assert.All(endpoints, e => Assert.Equal([(UnknownDigest('c'), 8, 12, 10.0), (UnknownDigest('d'), 12, 12, 5.0)], sightings[e]));
    }

    [Fact]
    public async Task A_name_and_version_with_another_versions_digest_is_refused_and_changes_no_history()
    {
        var v = await RegisterAsync("mismatch-model", 2);
        var store = new DeploymentStore(env.DataSource);
        var wrong = Deployed("mismatch-ep", "d1", 0, 100, digest: v[1].ManifestDigest, model: "mismatch-model", version: 1);

        var result = await store.RecordAsync(DeploymentInput.From(wrong), Guid.NewGuid(), DateTimeOffset.UtcNow, default);

        Assert.Equal(DeploymentOutcome.Rejected, result.Outcome);
        await using var c = await env.DataSource.OpenConnectionAsync();
        var kept = await c.QuerySingleAsync<(string Code, string Reason)>(
            "SELECT reason_code, reason FROM registry.rejections WHERE kind = 'deployment' AND subject = 'ModelDeployed mismatch-ep'");
        Assert.Equal(DeploymentReasons.DigestMismatch, kept.Code);
        Assert.Equal($"manifestDigest: mismatch-model v1 has manifest digest {v[0].ManifestDigest}, not {v[1].ManifestDigest}", kept.Reason);
        Assert.Equal(1, await c.ExecuteScalarAsync<long>(
            "SELECT count(*) FROM registry.outbox WHERE message_type = 'DeploymentEventRejected' AND body::jsonb->>'endpointId' = 'mismatch-ep'"));
        Assert.Equal(0, await c.ExecuteScalarAsync<long>("SELECT count(*) FROM registry.deployment_events WHERE endpoint_id = 'mismatch-ep'"));
        Assert.Empty(await IntervalsAsync("mismatch-ep"));
    }

    [Fact]
    public async Task An_unknown_digest_is_recorded_without_a_version_and_sighted_once_however_often_it_is_deployed()
    {
        var store = new DeploymentStore(env.DataSource);
        var digest = UnknownDigest('e');
        var first = Deployed("shadow-ep", "s1", 0, 100, digest: digest);
        await store.RecordAsync(DeploymentInput.From(first), Guid.NewGuid(), DateTimeOffset.UtcNow, default);
        await store.RecordAsync(DeploymentInput.From(first), Guid.NewGuid(), DateTimeOffset.UtcNow, default);
        await store.RecordAsync(DeploymentInput.From(Deployed("shadow-ep", "s1", 3, 50, digest: digest)), Guid.NewGuid(), DateTimeOffset.UtcNow, default);
        await store.RecordAsync(DeploymentInput.From(Deployed("shadow-ep", "s2", 4, 50, digest: digest)), Guid.NewGuid(), DateTimeOffset.UtcNow, default);

        var rows = await IntervalsAsync("shadow-ep");
        Assert.Equal([("s1", 100.0, 0, (int?)3), ("s1", 50, 3, null), ("s2", 50, 4, null)],
            rows.Select(r => (r.DeploymentId, r.TrafficPercent, Minute(r.From), r.To is { } to ? Minute(to) : (int?)null)));
        Assert.All(rows, r => Assert.Equal((null, digest), (r.VersionId, r.ManifestDigest)));
        await using var c = await env.DataSource.OpenConnectionAsync();
        var sighting = await c.QuerySingleAsync<(DateTime First, DateTime Last)>(
            "SELECT first_seen_at, last_seen_at FROM registry.shadow_sightings WHERE endpoint_id = 'shadow-ep' AND manifest_digest = @digest", new { digest });
        Assert.Equal((0, 4), (Minute(sighting.First), Minute(sighting.Last)));
        Assert.Equal(1, await c.ExecuteScalarAsync<long>(
            "SELECT count(*) FROM registry.outbox WHERE message_type = 'UnregisteredModelDetected' AND body::jsonb->>'endpointId' = 'shadow-ep'"));
        Assert.Equal(3, await c.ExecuteScalarAsync<long>(
            "SELECT count(*) FROM registry.outbox WHERE message_type = 'DeploymentRecorded' AND body::jsonb->>'endpointId' = 'shadow-ep' AND NOT (body::jsonb->>'registered')::boolean"));
    }

    [Fact]
    public async Task An_endpoint_that_moved_environment_has_its_latest_events_environment_whatever_arrived_last()
    {
        var store = new DeploymentStore(env.DataSource);
        ModelDeployed[] events =
        [
            Deployed("moved-a", "m1", 0, 100, digest: UnknownDigest('a')) with { Environment = "staging" },
            Deployed("moved-a", "m2", 10, 100, digest: UnknownDigest('b')),
        ];
        foreach (var e in events) await store.RecordAsync(DeploymentInput.From(e), Guid.NewGuid(), DateTimeOffset.UtcNow, default);
        foreach (var e in events.Reverse())
            await store.RecordAsync(DeploymentInput.From(e with { EndpointId = "moved-b" }), Guid.NewGuid(), DateTimeOffset.UtcNow, default);

        var inOrder = await IntervalsAsync("moved-a");
        Assert.Equal(["production", "production"], inOrder.Select(r => r.Environment));
        Assert.Equal(inOrder, await IntervalsAsync("moved-b"));
    }

    private static int Minute(DateTime t) => (int)(DateTime.SpecifyKind(t, DateTimeKind.Utc) - T0.UtcDateTime).TotalMinutes;
}
