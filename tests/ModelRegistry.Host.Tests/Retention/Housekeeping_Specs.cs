using System.Text.Json;
using Dapper;
using ModelRegistry.Cli;
using ModelRegistry.Contracts.Retention;
using ModelRegistry.Testing;

namespace ModelRegistry.Host.Tests.Retention;

/// <summary>
/// The housekeeping half of a retention sweep over the real broker and a real host (docs/retention.md, "Housekeeping"):
/// a person with the retention role has old inbox rows and dead letters deleted and old rejection bodies cut to their
/// digest and size, audited with the counts; a person without it is refused, audited, and nothing is pruned.
/// </summary>
public class Housekeeping_Specs(Housekeeping_Specs.Registry registry) : IClassFixture<Housekeeping_Specs.Registry>
{
    public const string Keeper = "keeper";

    /// <summary>The operator may not run sweeps here; <see cref="Keeper"/> may.</summary>
    public sealed class Registry : RunningRegistry
    {
        protected override string? AccessPolicyJson => $$"""
            {
              "registry": ["{{BrokerUsers.Workers}}"],
              "principals": {
                "{{BrokerUsers.Operator}}": { "roles": ["requester"] },
                "{{Keeper}}": { "roles": ["retention"] }
              }
            }
            """;
    }

    private const string SeedOld = """
        INSERT INTO registry.inbox (message_id, consumer, processed_at)
        SELECT gen_random_uuid(), 'housekeeping-spec', now() - interval '40 days' - make_interval(secs => i) FROM generate_series(1, @Old) AS i;
        INSERT INTO registry.inbox (message_id, consumer, processed_at)
        SELECT gen_random_uuid(), 'housekeeping-spec-recent', now() - interval '29 days' FROM generate_series(1, 5);
        INSERT INTO registry.outbox_dead (sequence, message_id, message_type, body, created_at, failed_at, reason)
        VALUES (-1 * @Tag, gen_random_uuid(), 'Old', '{}', now() - interval '100 days', now() - interval '100 days', 'unknown type'),
               (-1 * @Tag - 1, gen_random_uuid(), 'Recent', '{}', now() - interval '10 days', now() - interval '10 days', 'unknown type');
        """;

    private static async Task<long> CountAsync(Registry r, string sql)
    {
        await using var c = await r.DataSource.OpenConnectionAsync();
        return await c.ExecuteScalarAsync<long>(sql);
    }

    private async Task<(string Actor, JsonElement Details)?> AuditAsync(string action, Guid sweepId)
    {
        await using var c = await registry.DataSource.OpenConnectionAsync();
        var row = await c.QuerySingleOrDefaultAsync<(string Actor, string Details)?>(
            "SELECT actor, details::text FROM registry.audit_log WHERE action = @action AND subject = @subject", new { action, subject = sweepId.ToString() });
        return row is { } r ? (r.Actor, JsonDocument.Parse(r.Details).RootElement.Clone()) : null;
    }

    private Task<(string Actor, JsonElement Details)?> WaitForAuditAsync(string action, Guid sweepId) =>
        Eventually.UntilAsync(() => AuditAsync(action, sweepId), a => a is not null, TimeSpan.FromSeconds(60), $"{action} of sweep {sweepId}");

    [Fact]
    public async Task A_sweep_by_the_retention_role_prunes_the_old_rows_only_and_audits_the_counts()
    {
        await using (var c = await registry.DataSource.OpenConnectionAsync())
        {
            // More old inbox rows than one batch (10,000), so the batches repeat.
            await c.ExecuteAsync(SeedOld, new { Old = 12_345, Tag = 10 });
            await c.ExecuteAsync("""
                INSERT INTO registry.rejections (kind, subject, reason_code, reason, payload, rejected_at) VALUES
                ('registration', 'hk-old-model', 'digest_mismatch', 'weights.bin: bytes do not match', '{"modelName": "hk-old-model", "files": [1, 2, 3]}', now() - interval '91 days'),
                ('promotion', 'hk-too-large', 'body_too_large', 'the body is 2000000 bytes, over 1048576',
                 '{"truncated": true, "size": 2000000, "sha256": "aa11", "exchange": "mreg.request-promotion", "head": "{\"promotionId\": 1"}', now() - interval '95 days'),
                ('registration', 'hk-recent-model', 'digest_mismatch', 'recent', '{"modelName": "hk-recent-model"}', now() - interval '80 days')
                """);
        }
        var oldInbox = await CountAsync(registry, "SELECT count(*) FROM registry.inbox WHERE processed_at < now() - interval '30 days'");
        var oldDead = await CountAsync(registry, "SELECT count(*) FROM registry.outbox_dead WHERE failed_at < now() - interval '90 days'");
        var oldBodies = await CountAsync(registry,
            "SELECT count(*) FROM registry.rejections WHERE body_cut_at IS NULL AND rejected_at < now() - interval '90 days'");
        string digest;
        await using (var c = await registry.DataSource.OpenConnectionAsync())
            digest = await c.ExecuteScalarAsync<string>(
                "SELECT encode(sha256(convert_to(payload::text, 'UTF8')), 'hex') FROM registry.rejections WHERE subject = 'hk-old-model'") ?? "";

        var sweepId = Guid.NewGuid();
        await registry.Observer.PublishAsAsync(Keeper, new RunRetentionSweep { SweepId = sweepId, RequestedBy = "kim" });

        var (actor, details) = (await WaitForAuditAsync("retention.housekeeping", sweepId))!.Value;
        Assert.Equal(Keeper, actor);
        Assert.True(oldInbox >= 12_345, $"{oldInbox} old inbox rows");
        Assert.Equal(oldInbox, details.GetProperty("inboxDeleted").GetInt64());
        Assert.Equal(oldBodies, details.GetProperty("rejectionBodiesCut").GetInt64());
        Assert.Equal(oldDead, details.GetProperty("outboxDeadDeleted").GetInt64());
        Assert.Equal(0, await CountAsync(registry, "SELECT count(*) FROM registry.inbox WHERE consumer = 'housekeeping-spec'"));
        Assert.Equal(5, await CountAsync(registry, "SELECT count(*) FROM registry.inbox WHERE consumer = 'housekeeping-spec-recent'"));
        Assert.Equal(0, await CountAsync(registry, "SELECT count(*) FROM registry.outbox_dead WHERE message_type = 'Old'"));
        Assert.Equal(1, await CountAsync(registry, "SELECT count(*) FROM registry.outbox_dead WHERE message_type = 'Recent'"));

        // A cut body keeps its digest, size and reason; mreg rejections list still shows it.
        var settings = registry.Cli();
        var (exit, listed, _) = await Cli_Specs.RunAsync(w => RejectionsCommand.ListAsync(settings, null, 50, json: true, w, default));
        Assert.Equal(0, exit);
        var rows = listed.EnumerateArray().ToDictionary(r => r.GetProperty("subject").GetString()!);
        var cut = rows["hk-old-model"];
        Assert.Equal("digest_mismatch", cut.GetProperty("reasonCode").GetString());
        Assert.Equal("weights.bin: bytes do not match", cut.GetProperty("reason").GetString());
        Assert.True(cut.GetProperty("payload").GetProperty("cut").GetBoolean());
        Assert.Equal(digest, cut.GetProperty("payload").GetProperty("sha256").GetString());
        Assert.False(cut.GetProperty("payload").TryGetProperty("modelName", out _));
        var large = rows["hk-too-large"].GetProperty("payload");
        Assert.Equal(("aa11", 2_000_000L, false), (large.GetProperty("sha256").GetString(), large.GetProperty("size").GetInt64(), large.TryGetProperty("head", out _)));
        Assert.Equal("hk-recent-model", rows["hk-recent-model"].GetProperty("payload").GetProperty("modelName").GetString());
        var (_, _, table) = await Cli_Specs.RunAsync(w => RejectionsCommand.ListAsync(settings, "registration", 50, json: false, w, default));
        Assert.Contains("weights.bin: bytes do not match", table);

        // The same sweep again changes nothing and is not audited twice.
        var next = Guid.NewGuid();
        await registry.Observer.PublishAsAsync(Keeper, new RunRetentionSweep { SweepId = sweepId, RequestedBy = "kim" });
        await registry.Observer.PublishAsAsync(Keeper, new RunRetentionSweep { SweepId = next, RequestedBy = "kim" });
        var (_, second) = (await WaitForAuditAsync("retention.housekeeping", next))!.Value;
        Assert.Equal(0, second.GetProperty("inboxDeleted").GetInt64());
        Assert.Equal(1, await CountAsync(registry,
            $"SELECT count(*) FROM registry.audit_log WHERE action = 'retention.housekeeping' AND subject = '{sweepId}'"));
    }

    [Fact]
    public async Task A_sweep_from_someone_without_the_retention_role_is_refused_audited_and_prunes_nothing()
    {
        await using (var c = await registry.DataSource.OpenConnectionAsync())
            await c.ExecuteAsync("""
                INSERT INTO registry.inbox (message_id, consumer, processed_at) VALUES (gen_random_uuid(), 'housekeeping-refused-canary', now() - interval '400 days')
                """);

        var sweepId = Guid.NewGuid();
        await registry.Observer.PublishAsAsync(BrokerUsers.Operator, new RunRetentionSweep { SweepId = sweepId, RequestedBy = "mallory" });

        var (actor, details) = (await WaitForAuditAsync("retention.housekeeping_refused", sweepId))!.Value;
        Assert.Equal(BrokerUsers.Operator, actor);
        Assert.Equal("not_permitted", details.GetProperty("reasonCode").GetString());
        Assert.Equal("mallory", details.GetProperty("requestedBy").GetString());
        Assert.Equal(1, await CountAsync(registry, "SELECT count(*) FROM registry.inbox WHERE consumer = 'housekeeping-refused-canary'"));
        Assert.Equal(0, await CountAsync(registry, $"SELECT count(*) FROM registry.housekeeping_runs WHERE sweep_id = '{sweepId}'"));

        // The refusal did not use up the sweep id: the registry's own sweep of that id still runs.
        await registry.Observer.PublishAsAsync(BrokerUsers.Workers, new RunRetentionSweep { SweepId = sweepId, RequestedBy = "schedule" });
        var (registryActor, _) = (await WaitForAuditAsync("retention.housekeeping", sweepId))!.Value;
        Assert.Equal(BrokerUsers.Workers, registryActor);
        Assert.Equal(0, await CountAsync(registry, "SELECT count(*) FROM registry.inbox WHERE consumer = 'housekeeping-refused-canary'"));
    }
}
