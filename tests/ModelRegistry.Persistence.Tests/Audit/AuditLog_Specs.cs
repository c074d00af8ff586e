using System.Data;
using Dapper;
using ModelRegistry.Platform.Audit;
using ModelRegistry.Testing;
using Npgsql;

namespace ModelRegistry.Persistence.Tests.Audit;

/// <summary>The audit log on a real PostgreSQL: a fresh migrated database per test, since several tests tamper with it.</summary>
public sealed class AuditLog_Specs : IAsyncLifetime
{
    private readonly IsolatedEnvironment env = new();

    public Task InitializeAsync() => env.InitializeAsync();

    public Task DisposeAsync() => env.DisposeAsync();

    [Fact]
    public async Task Four_concurrent_writers_append_1000_records_gap_free_and_the_chain_verifies()
    {
        var appended = await Task.WhenAll(Enumerable.Range(0, 4).Select(w => Task.Run(async () =>
        {
            var mine = new List<AuditEntry>();
            for (var i = 0; i < 250; i++) mine.Add(await AppendCommittedAsync(Record(w, i)));
            return mine;
        })));

        var stored = await ReadAllAsync();
        Assert.Equal(Enumerable.Range(1, 1000).Select(n => (long)n), stored.Select(e => e.Sequence));
        // Each writer's records are in the order it committed them.
        foreach (var mine in appended)
            Assert.Equal(mine.Select(e => e.Sequence).Order(), mine.Select(e => e.Sequence));
        // What AppendAsync returned (and what AuditRecorded will carry) is what was stored: time at microseconds, details canonical.
        var bySequence = appended.SelectMany(a => a).ToDictionary(e => e.Sequence);
        Assert.Equal(1000, bySequence.Count);
        foreach (var e in stored)
        {
            var returned = bySequence[e.Sequence];
            Assert.Equal(returned, e with { DetailsJson = AuditChain.CanonicalDetails(e.DetailsJson) });
        }

        var report = await new AuditReader(env.DataSource).VerifyAsync();
        Assert.True(report.Verification.Ok, report.Verification.Reason);
        Assert.Equal(1000, report.Verification.Verified);
        Assert.Equal(stored[^1].Hash, report.Verification.LastHash);
        Assert.True(report.RecordsPerSecond > 0);
    }

    [Fact]
    public async Task A_rolled_back_transaction_leaves_no_record_and_no_gap_and_holds_the_next_writer_until_it_ends()
    {
        await AppendCommittedAsync(Record(0, 0));

        await using var first = await env.DataSource.OpenConnectionAsync();
        await using var firstTx = await first.BeginTransactionAsync();
        var doomed = await AuditLog.AppendAsync(first, firstTx, Record(1, 0), DateTimeOffset.UtcNow, default);
        Assert.Equal(2, doomed.Sequence);

        var next = Task.Run(() => AppendCommittedAsync(Record(2, 0)));
        await Task.Delay(300);
        Assert.False(next.IsCompleted, "a second writer must wait for the first one's transaction to end");
        await firstTx.RollbackAsync();
        var second = await next.WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal(2, second.Sequence);
        Assert.Equal("writer-2", second.Actor);
        var stored = await ReadAllAsync();
        Assert.Equal([1L, 2L], stored.Select(e => e.Sequence));
        Assert.DoesNotContain(stored, e => e.Actor == "writer-1");
        Assert.True((await new AuditReader(env.DataSource).VerifyAsync()).Verification.Ok);
    }

    [Fact]
    public async Task The_application_role_cannot_update_delete_or_truncate_it_and_the_owner_is_stopped_by_the_triggers()
    {
        await AppendCommittedAsync(Record(0, 0));
        await AppendCommittedAsync(Record(0, 1));

        await using var app = await env.DataSource.OpenConnectionAsync();
        foreach (var sql in new[]
                 {
                     "UPDATE registry.audit_log SET actor = 'mallory' WHERE sequence = 1",
                     "DELETE FROM registry.audit_log WHERE sequence = 2",
                     "TRUNCATE registry.audit_log",
                 })
        {
            var denied = await Assert.ThrowsAsync<PostgresException>(() => app.ExecuteAsync(sql));
            Assert.Equal(PostgresErrorCodes.InsufficientPrivilege, denied.SqlState);
        }

        await using var owner = new NpgsqlConnection(env.Database.MigrationConnectionString);
        await owner.OpenAsync();
        foreach (var (sql, operation) in new[]
                 {
                     ("UPDATE registry.audit_log SET actor = 'mallory' WHERE sequence = 1", "UPDATE"),
                     ("DELETE FROM registry.audit_log WHERE sequence = 2", "DELETE"),
                     ("TRUNCATE registry.audit_log", "TRUNCATE"),
                 })
        {
            var refused = await Assert.ThrowsAsync<PostgresException>(() => owner.ExecuteAsync(sql));
            Assert.Equal(PostgresErrorCodes.IntegrityConstraintViolation, refused.SqlState);
            Assert.Equal($"{operation} of registry.audit_log is not allowed: the audit log is append-only", refused.MessageText);
        }

        Assert.Equal(2, (await ReadAllAsync()).Count);
        Assert.True((await new AuditReader(env.DataSource).VerifyAsync()).Verification.Ok);
    }

    [Fact]
    public async Task An_insert_that_does_not_follow_the_last_record_is_refused_by_the_database()
    {
        var last = await AppendCommittedAsync(Record(0, 0));
        await using var app = await env.DataSource.OpenConnectionAsync();
        const string insert = """
            INSERT INTO registry.audit_log (sequence, recorded_at, actor, action, subject_type, subject, details, previous_hash, hash)
            VALUES (@Sequence, now(), 'x', 'y', 'z', 's', '{}', @PreviousHash, @Hash)
            """;

        var skipping = await Assert.ThrowsAsync<PostgresException>(() =>
            app.ExecuteAsync(insert, new { Sequence = 3L, PreviousHash = last.Hash, Hash = new string('b', 64) }));
        var wrongLink = await Assert.ThrowsAsync<PostgresException>(() =>
            app.ExecuteAsync(insert, new { Sequence = 2L, PreviousHash = new string('c', 64), Hash = new string('b', 64) }));

        Assert.Equal(PostgresErrorCodes.IntegrityConstraintViolation, skipping.SqlState);
        Assert.Equal(PostgresErrorCodes.IntegrityConstraintViolation, wrongLink.SqlState);
        Assert.Single(await ReadAllAsync());
    }

    [Fact]
    public async Task A_many_record_insert_is_checked_record_by_record_and_a_valid_one_passes()
    {
        var last = await AppendCommittedAsync(Record(0, 0));
        await using var app = await env.DataSource.OpenConnectionAsync();
        var at = AuditChain.Truncate(DateTimeOffset.UtcNow);
        Task Insert(params (long Sequence, string PreviousHash, string Hash)[] rows) => app.ExecuteAsync("""
            INSERT INTO registry.audit_log (sequence, recorded_at, actor, action, subject_type, subject, details, previous_hash, hash)
            SELECT s, @At, 'x', 'y', 'z', 's', '{}', p, h FROM unnest(@Sequences, @PreviousHashes, @Hashes) AS r(s, p, h)
            """, new
        {
            At = at,
            Sequences = rows.Select(r => r.Sequence).ToArray(),
            PreviousHashes = rows.Select(r => r.PreviousHash).ToArray(),
            Hashes = rows.Select(r => r.Hash).ToArray(),
        });
        string H(char c) => new(c, 64);
        string Hash(long sequence, string previous) => AuditChain.ComputeHash(sequence, at, "x", "y", "z", "s", null, "{}", previous);

        // A gap inside the statement, a wrong link on its second record, a first record that skips one: each refused,
        // whichever record is wrong.
        var gap = await Assert.ThrowsAsync<PostgresException>(() => Insert((2, last.Hash, H('a')), (4, H('a'), H('b'))));
        var wrongSecondLink = await Assert.ThrowsAsync<PostgresException>(() => Insert((2, last.Hash, H('a')), (3, H('c'), H('b'))));
        var skipping = await Assert.ThrowsAsync<PostgresException>(() => Insert((3, H('a'), H('b')), (4, H('b'), H('c'))));
        // Well linked, the first record rightly hashed, the second not (migration 0018): refused, naming the second.
        var second = Hash(2, last.Hash);
        var wrongSecondHash = await Assert.ThrowsAsync<PostgresException>(() => Insert((2, last.Hash, second), (3, second, H('b'))));

        Assert.All(new[] { gap, wrongSecondLink, skipping, wrongSecondHash }, e => Assert.Equal(PostgresErrorCodes.IntegrityConstraintViolation, e.SqlState));
        Assert.Contains("does not carry the hash of record 2", wrongSecondLink.MessageText, StringComparison.Ordinal);
        Assert.Equal($"audit record 3 has hash {H('b')}, but its content hashes to {Hash(3, second)} (mreg-audit-v1): " +
                     "a record must carry the hash of what is stored", wrongSecondHash.MessageText);
        Assert.Single(await ReadAllAsync());

        // Linked and hashed as AuditChain does: the pair goes in, and verifies.
        await Insert((2, last.Hash, second), (3, second, Hash(3, second)));
        Assert.Equal([1L, 2L, 3L], (await ReadAllAsync()).Select(e => e.Sequence));
        Assert.True((await new AuditReader(env.DataSource).VerifyAsync()).Verification.Ok);
    }

    [Fact]
    public async Task A_superuser_edit_of_one_record_is_named_by_verify()
    {
        for (var i = 0; i < 10; i++) await AppendCommittedAsync(Record(i % 2, i));

        await TamperAsync("UPDATE registry.audit_log SET details = jsonb_set(details, '{n}', '99') WHERE sequence = 6");

        var report = await new AuditReader(env.DataSource).VerifyAsync();
        Assert.Equal(6, report.Verification.FirstBadSequence);
        Assert.Equal(AuditFault.HashMismatch, report.Verification.Fault);
        Assert.Equal((1L, 9L), (report.Verification.FaultCount, report.Verification.Verified)); // the walk goes on after it
    }

    [Fact]
    public async Task A_superuser_delete_of_a_middle_record_is_named_as_the_gap()
    {
        for (var i = 0; i < 10; i++) await AppendCommittedAsync(Record(0, i));

        await TamperAsync("DELETE FROM registry.audit_log WHERE sequence = 4");

        var report = await new AuditReader(env.DataSource).VerifyAsync();
        Assert.Equal(4, report.Verification.FirstBadSequence);
        Assert.Equal(AuditFault.Gap, report.Verification.Fault);
        Assert.Equal((1L, 10L), (report.Verification.FaultCount, report.Verification.LastSequence));
    }

    [Fact]
    public async Task List_gives_the_latest_records_of_a_model_since_a_time_oldest_first()
    {
        var start = new DateTimeOffset(2024, 6, 1, 0, 0, 0, TimeSpan.Zero);
        for (var i = 0; i < 12; i++)
        {
            await using var c = await env.DataSource.OpenConnectionAsync();
            await using var tx = await c.BeginTransactionAsync();
            await AuditLog.AppendAsync(c, tx, Record(i % 3, i), start.AddMinutes(i), default);
            await tx.CommitAsync();
        }
        var reader = new AuditReader(env.DataSource);

        // Writer 1's records (model-1) are sequences 2, 5, 8, 11.
        Assert.Equal([5L, 8L, 11L], (await reader.ListAsync("model-1", null, 3)).Select(e => e.Sequence));
        Assert.Equal([8L, 11L], (await reader.ListAsync("model-1", start.AddMinutes(6), 10)).Select(e => e.Sequence));
        Assert.Equal([11L, 12L], (await reader.ListAsync(null, null, 2)).Select(e => e.Sequence));
        Assert.Empty(await reader.ListAsync("no-such-model", null, 10));
        // Writer 0 records no model.
        Assert.All(await reader.ListAsync(null, null, 12), e => Assert.Equal(e.Sequence % 3 == 1 ? null : $"model-{(e.Sequence - 1) % 3}", e.ModelName));

        var since = new List<long>();
        await foreach (var e in reader.StreamAsync(start.AddMinutes(9).AddTicks(10))) since.Add(e.Sequence);
        Assert.Equal([11L, 12L], since);
    }

    [Fact]
    public async Task Details_that_are_not_an_object_and_isolation_above_read_committed_are_refused_before_anything_is_written()
    {
        await using var c = await env.DataSource.OpenConnectionAsync();
        await using (var tx = await c.BeginTransactionAsync())
        {
            await Assert.ThrowsAsync<ArgumentException>(() =>
                AuditLog.AppendAsync(c, tx, Record(0, 0) with { Details = new List<int> { 1, 2 } }, DateTimeOffset.UtcNow, default));
            await Assert.ThrowsAsync<ArgumentException>(() =>
                AuditLog.AppendAsync(c, tx, Record(0, 0) with { Details = new { text = "nul \0 here" } }, DateTimeOffset.UtcNow, default));
            await Assert.ThrowsAsync<ArgumentException>(() =>
                AuditLog.AppendAsync(c, tx, Record(0, 0) with { Actor = "" }, DateTimeOffset.UtcNow, default));
        }
        await using (var tx = await c.BeginTransactionAsync(IsolationLevel.RepeatableRead))
        {
            await Assert.ThrowsAsync<InvalidOperationException>(() => AuditLog.AppendAsync(c, tx, Record(0, 0), DateTimeOffset.UtcNow, default));
        }
        Assert.Empty(await ReadAllAsync());
    }

    private static AuditAppend Record(int writer, int n) => new(
        $"writer-{writer}", "test.appended", "test_subject", $"{writer}/{n}", writer == 0 ? null : $"model-{writer}",
        new
        {
            writer,
            n,
            score = 1.50m,
            labels = new Dictionary<string, string> { ["zeta"] = "z", ["alpha"] = "a", ["é"] = "accent" },
            note = "quote \" backslash \\ newline \n",
        });

    private async Task<AuditEntry> AppendCommittedAsync(AuditAppend record)
    {
        await using var c = await env.DataSource.OpenConnectionAsync();
        await using var tx = await c.BeginTransactionAsync();
        var entry = await AuditLog.AppendAsync(c, tx, record, DateTimeOffset.UtcNow, default);
        await tx.CommitAsync();
        return entry;
    }

    private async Task<List<AuditEntry>> ReadAllAsync()
    {
        var all = new List<AuditEntry>();
        await foreach (var e in new AuditReader(env.DataSource).StreamAsync(null)) all.Add(e);
        return all;
    }

    private async Task TamperAsync(string sql) => Assert.Equal(1, await env.TamperAsSuperuserAsync(sql));
}
