using System.Text.Json;
using Dapper;
using Microsoft.Extensions.Logging.Abstractions;
using ModelRegistry.Retention;
using ModelRegistry.Testing;

namespace ModelRegistry.Persistence.Tests.Retention;

/// <summary>
/// <see cref="Housekeeping"/> against the real database, with small batches: it repeats until nothing old is left, and a
/// run interrupted after some batches resumes with the cut-offs it started with and ends with exact counts.
/// </summary>
public class HousekeepingBatches_Specs(IsolatedEnvironment env) : IClassFixture<IsolatedEnvironment>
{
    private static readonly DateTimeOffset Now = new(2026, 12, 6, 12, 0, 0, TimeSpan.Zero);

    private Housekeeping Make(int batch) =>
        new(env.DataSource, new RetentionOptions(), new FixedClock(Now), NullLogger<Housekeeping>.Instance) { InboxBatch = batch, RejectionBatch = batch };

    private sealed class FixedClock(DateTimeOffset now) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => now;
    }

    private async Task SeedInboxAsync(string consumer, int count, DateTimeOffset at)
    {
        await using var c = await env.DataSource.OpenConnectionAsync();
        await c.ExecuteAsync("""
            INSERT INTO registry.inbox (message_id, consumer, processed_at)
            SELECT gen_random_uuid(), @consumer, @at - make_interval(secs => i) FROM generate_series(1, @count) AS i
            """, new { consumer, count, at = at.UtcDateTime });
    }

    private async Task<long> CountAsync(string sql, object? args = null)
    {
        await using var c = await env.DataSource.OpenConnectionAsync();
        return await c.ExecuteScalarAsync<long>(sql, args);
    }

    [Fact]
    public async Task An_interrupted_run_resumes_with_its_own_cut_offs_and_counts_every_row_once()
    {
        await SeedInboxAsync("batches-old", 23, Now.AddDays(-45));
        await SeedInboxAsync("batches-between", 4, Now.AddDays(-35));
        await SeedInboxAsync("batches-young", 3, Now.AddDays(-2));
        var sweepId = Guid.NewGuid();
        // An earlier attempt started 40 days' retention ago (cut-off: 40 days before Now) and deleted 6 rows before it died.
        await using (var c = await env.DataSource.OpenConnectionAsync())
        {
            await c.ExecuteAsync("""
                INSERT INTO registry.housekeeping_runs (sweep_id, started_at, inbox_before, rejections_before, outbox_dead_before, inbox_deleted)
                VALUES (@sweepId, @started, @before, @before, @before, 6)
                """, new { sweepId, started = Now.AddHours(-1).UtcDateTime, before = Now.AddDays(-40).UtcDateTime });
            await c.ExecuteAsync("""
                DELETE FROM registry.inbox WHERE ctid IN (SELECT ctid FROM registry.inbox WHERE consumer = 'batches-old' LIMIT 6)
                """);
        }

        var run = await Make(batch: 5).RunAsync(sweepId, "spec", default);

        Assert.NotNull(run);
        Assert.Equal(23, run.InboxDeleted);
        Assert.Equal(0, await CountAsync("SELECT count(*) FROM registry.inbox WHERE consumer = 'batches-old'"));
        // Its own cut-off (40 days), not a new one from the 30-day setting: the rows 35 days old stay for the next sweep.
        Assert.Equal(4, await CountAsync("SELECT count(*) FROM registry.inbox WHERE consumer = 'batches-between'"));
        Assert.Equal(3, await CountAsync("SELECT count(*) FROM registry.inbox WHERE consumer = 'batches-young'"));
        var details = JsonDocument.Parse(await CountTextAsync(sweepId)).RootElement;
        Assert.Equal(23, details.GetProperty("inboxDeleted").GetInt64());

        // Done: the same sweep again does nothing.
        Assert.Null(await Make(batch: 5).RunAsync(sweepId, "spec", default));
        Assert.Equal(1, await CountAsync("SELECT count(*) FROM registry.audit_log WHERE action = 'retention.housekeeping' AND subject = @s",
            new { s = sweepId.ToString() }));
    }

    [Fact]
    public async Task Small_batches_repeat_until_no_old_row_is_left()
    {
        await SeedInboxAsync("repeat-old", 17, Now.AddDays(-31));
        await using (var c = await env.DataSource.OpenConnectionAsync())
            await c.ExecuteAsync("""
                INSERT INTO registry.rejections (kind, subject, reason_code, reason, payload, rejected_at)
                SELECT 'evaluation', 'repeat-' || i, 'unknown_model_version', 'no such version', jsonb_build_object('i', i), @at
                FROM generate_series(1, 7) AS i
                """, new { at = Now.AddDays(-100).UtcDateTime });

        var run = await Make(batch: 3).RunAsync(Guid.NewGuid(), "spec", default);

        Assert.NotNull(run);
        Assert.Equal(0, await CountAsync("SELECT count(*) FROM registry.inbox WHERE consumer = 'repeat-old'"));
        Assert.True(run.InboxDeleted >= 17, $"{run.InboxDeleted}");
        Assert.Equal(7, await CountAsync("SELECT count(*) FROM registry.rejections WHERE subject LIKE 'repeat-%' AND body_cut_at IS NOT NULL AND payload ? 'sha256'"));
        Assert.Equal(7, await CountAsync(
            "SELECT count(*) FROM registry.rejections WHERE subject LIKE 'repeat-%' AND reason = 'no such version' AND NOT payload ? 'i'"));
    }

    private async Task<string> CountTextAsync(Guid sweepId)
    {
        await using var c = await env.DataSource.OpenConnectionAsync();
        return await c.ExecuteScalarAsync<string>("SELECT details::text FROM registry.audit_log WHERE action = 'retention.housekeeping' AND subject = @s",
            new { s = sweepId.ToString() }) ?? "{}";
    }
}
