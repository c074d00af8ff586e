using System.Diagnostics;
using System.Text.Json;
using Dapper;
using ModelRegistry.Contracts.Promotion;
using ModelRegistry.Platform;
using ModelRegistry.Testing;
using RabbitMQ.Client;
using Xunit.Abstractions;
using static ModelRegistry.Host.Tests.Promotion.PromotionSteps;

namespace ModelRegistry.Host.Tests.Promotion;

/// <summary>
/// Deploy instructions in order (issue 14; docs/messages.md, "Order of a model's stage changes"): promote/rollback pairs
/// raced across two host processes, both relaying, under registration load, read by one ordered consumer as a serving
/// platform would.
/// </summary>
public class StageOrder_Specs(RunningRegistry registry, ITestOutputHelper output) : IClassFixture<RunningRegistry>
{
    private const int Models = 100;
    private const int LoadRegistrations = 500;
    private const int PairsAtOnce = 4;
    private const int Backlog = 2 * 500; // both relays' next batches full
    private const int Chunk = 100;
    private const string Queue = "stage-order-deploys";
    private static readonly JsonSerializerOptions Wire = new(JsonSerializerDefaults.Web);

    [Fact]
    public async Task After_100_promote_and_rollback_pairs_across_two_hosts_the_last_DeployModelVersion_of_each_model_is_its_production_version()
    {
        var clock = Stopwatch.StartNew();
        await DeclareOrderedQueueAsync();
        await using var second = HostProcess.StartHost(registry.HostEnvironment);
        await second.WaitUntilStartedAsync();
        var models = Enumerable.Range(0, Models).Select(i => $"order-{i:D3}").ToList();

        // Versions 1, 2 and 3 of each model (tier low: production needs no approval); 1 then 2 in production.
        var broker = new PlainBroker(registry.AdminRabbitMq);
        await broker.PublishAsync(models.SelectMany(m => new[] { Trained(m, "run-1"), Trained(m, "run-2"), Trained(m, "run-3") }));
        await UntilAsync(async c => await c.ExecuteScalarAsync<long>(
            "SELECT count(*) FROM registry.model_versions v JOIN registry.models m USING (model_id) WHERE m.name LIKE 'order-%'") == 3 * Models,
            "every version registered");
        foreach (var version in new[] { 1, 2 })
        {
            await Task.WhenAll(models.Select(m => registry.Observer.PublishAsync(Request(m, version, "production"))));
            await UntilAsync(async c => (await ProductionAsync(c)).Values.Count(v => v == version) == Models, $"version {version} of every model in production");
        }
        output.WriteLine($"set up in {clock.Elapsed.TotalSeconds:0.0} s");

        // The pairs race, beside registrations of other models: each model's promotion of version 3 and its rollback from
        // version 2 are published together. When the rollback wins, the model gets two instructions (1 by rollback, then 3 by
        // promotion) committed milliseconds apart, often relayed by the two hosts; when the promotion wins, the rollback is
        // refused (version 2 is no longer production). Either way version 3 ends in production.
        // The relays' load: the registrations, and other events written to the outbox in chunks, so that a relay woken by a
        // pair's first commit often takes it behind a chunk, while the other relay takes the second commit with less ahead.
        var load = broker.PublishAsync(Enumerable.Range(0, LoadRegistrations).Select(i => Trained($"load-{i % 20:D2}", $"load-{i}")));
        using var stopFilling = new CancellationTokenSource();
        var filler = FillOutboxAsync(stopFilling.Token);
        var race = Stopwatch.StartNew();
        // A few models at a time, so that neither queue has a backlog and the two requests of a pair reach the model together.
        await Parallel.ForEachAsync(models, new ParallelOptions { MaxDegreeOfParallelism = PairsAtOnce }, async (m, _) =>
        {
            await Task.WhenAll(
                registry.Observer.PublishAsync(Request(m, 3, "production")),
                registry.Observer.PublishAsync(new RequestRollback
                {
                    RollbackId = Guid.NewGuid(), ModelName = m, IncidentId = "INC-ORDER", FromVersion = 2, RequestedBy = "oncall-ops", Reason = "race",
                }));
            await UntilAsync(async c => await c.ExecuteScalarAsync<bool>("""
                SELECT EXISTS (SELECT 1 FROM registry.version_stages s JOIN registry.models m USING (model_id)
                               WHERE m.name = @m AND s.version = 3 AND s.stage = 'production')
                   AND (EXISTS (SELECT 1 FROM registry.rollbacks r JOIN registry.models m USING (model_id) WHERE m.name = @m)
                        OR EXISTS (SELECT 1 FROM registry.audit_log WHERE action = 'rollback.rejected' AND subject = @m))
                """, new { m }), $"the pair of {m} handled");
        });
        await stopFilling.CancelAsync();
        var filled = await filler;
        await using var connection = await registry.DataSource.OpenConnectionAsync();
        var rolledBack = (int)await connection.ExecuteScalarAsync<long>("SELECT count(*) FROM registry.rollbacks");
        output.WriteLine($"raced in {race.Elapsed.TotalSeconds:0.0} s beside {filled} other outbox events: {rolledBack} rollbacks went first");
        var gaps = (await connection.QueryAsync<double>("""
            SELECT extract(epoch FROM p.changed_at - r.changed_at) * 1000
            FROM registry.stage_changes r JOIN registry.stage_changes p ON p.model_id = r.model_id
            WHERE r.cause = 'rollback' AND r.to_stage = 'production' AND p.cause = 'promotion' AND p.version = 3 AND p.to_stage = 'production'
            ORDER BY 1
            """)).ToList();
        if (gaps.Count > 0) output.WriteLine($"rollback to promotion: min {gaps[0]:0} ms, median {gaps[gaps.Count / 2]:0} ms, max {gaps[^1]:0} ms");
        await load;

        var received = await ReceiveAsync(3 * Models + rolledBack);
        output.WriteLine($"received {received.Count} instructions; {clock.Elapsed.TotalSeconds:0.0} s in all");

        var production = await ProductionAsync(connection);
        var sequences = (await connection.QueryAsync<(string Name, long Sequence)>(
            "SELECT name, stage_sequence FROM registry.models WHERE name LIKE 'order-%'")).ToDictionary(r => r.Name, r => r.Sequence);
        var wrong = models
            .Select(m => (Model: m, Received: received.Where(d => d.ModelName == m).ToList()))
            .Where(x => x.Received.Count == 0 || x.Received[^1].Version != production[x.Model]
                || x.Received[^1].StageSequence != sequences[x.Model]
                || x.Received.Zip(x.Received.Skip(1)).Any(p => p.Second.StageSequence <= p.First.StageSequence))
            .Select(x => $"{x.Model}: production {production[x.Model]} (sequence {sequences[x.Model]}), received "
                + string.Join(", ", x.Received.Select(d => $"v{d.Version}#{d.StageSequence} ({d.Cause})")))
            .ToList();
        Assert.True(wrong.Count == 0, $"{wrong.Count} of {Models} models end on another instruction than production, or out of order:\n"
            + string.Join('\n', wrong.Take(20)));
        Assert.All(production.Values, v => Assert.Equal(3, v));
        Assert.True(rolledBack > 0, "no rollback went before its promotion: the race did not happen");
    }

    /// <summary>
    /// Adds <see cref="Chunk"/> unordered events (ProbeCompleted, which no worker consumes) to the outbox whenever fewer than
    /// <see cref="Backlog"/> wait there, until cancelled; returns how many it added.
    /// </summary>
    private async Task<long> FillOutboxAsync(CancellationToken stop)
    {
        var added = 0L;
        while (!stop.IsCancellationRequested)
        {
            await using (var c = await registry.DataSource.OpenConnectionAsync(CancellationToken.None))
            {
                if (await c.ExecuteScalarAsync<long>("SELECT count(*) FROM registry.outbox") < Backlog)
                {
                    added += await c.ExecuteAsync("""
                        INSERT INTO registry.outbox (message_id, message_type, body)
                        SELECT gen_random_uuid(), 'ProbeCompleted',
                               json_build_object('probeId', gen_random_uuid(), 'recordedBy', 'stage-order-load', 'recordedAt', now())::text
                        FROM generate_series(1, @Chunk)
                        """, new { Chunk });
                }
            }
            try
            {
                await Task.Delay(5, stop);
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }
        return added;
    }

    private ModelRegistry.Contracts.ModelTrained Trained(string model, string run) =>
        registry.Pipeline.Trained(model, run) with { RiskTier = "low" };

    private static async Task<Dictionary<string, int>> ProductionAsync(Npgsql.NpgsqlConnection c) =>
        (await c.QueryAsync<(string Name, int Version)>("""
            SELECT m.name, s.version FROM registry.version_stages s JOIN registry.models m USING (model_id)
            WHERE s.stage = 'production' AND m.name LIKE 'order-%'
            """)).ToDictionary(r => r.Name, r => r.Version);

    private async Task UntilAsync(Func<Npgsql.NpgsqlConnection, Task<bool>> condition, string what)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(120);
        while (true)
        {
            await using (var c = await registry.DataSource.OpenConnectionAsync())
                if (await condition(c)) return;
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"not within 120 s: {what}");
            await Task.Delay(50);
        }
    }

    /// <summary>One queue bound to the instructions' exchange, read with basic.get: the order the broker delivered them in.</summary>
    private async Task DeclareOrderedQueueAsync()
    {
        await using var connection = await Preflight.ConnectionFactory(registry.AdminRabbitMq).CreateConnectionAsync("stage-order");
        await using var channel = await connection.CreateChannelAsync();
        await channel.ExchangeDeclareAsync("mreg.deploy-model-version", ExchangeType.Fanout, durable: true, autoDelete: false);
        await channel.QueueDeclareAsync(Queue, durable: true, exclusive: false, autoDelete: false);
        await channel.QueueBindAsync(Queue, "mreg.deploy-model-version", "");
    }

    private async Task<List<DeployModelVersion>> ReceiveAsync(int expected)
    {
        var received = new List<DeployModelVersion>();
        await using var connection = await Preflight.ConnectionFactory(registry.AdminRabbitMq).CreateConnectionAsync("stage-order");
        await using var channel = await connection.CreateChannelAsync();
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(120);
        while (received.Count < expected)
        {
            if (await channel.BasicGetAsync(Queue, autoAck: true) is { } delivery)
            {
                using var document = JsonDocument.Parse(delivery.Body);
                received.Add(document.RootElement.GetProperty("message").Deserialize<DeployModelVersion>(Wire)!);
                continue;
            }
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"{received.Count} of {expected} DeployModelVersion within 120 s");
            await Task.Delay(20);
        }
        return received;
    }
}
