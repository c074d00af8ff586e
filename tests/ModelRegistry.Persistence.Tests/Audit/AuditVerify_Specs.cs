using Dapper;
using ModelRegistry.Platform.Audit;
using ModelRegistry.Testing;

namespace ModelRegistry.Persistence.Tests.Audit;

/// <summary>
/// <see cref="AuditReader.VerifyAsync(Npgsql.NpgsqlConnection, CancellationToken)"/> (binary COPY, bytes checked in place, read in
/// two halves over two connections when long) against the reference <see cref="AuditReader.VerifyRowByRowAsync"/> on chains
/// tampered with by a superuser: the same verdict, word for word, whether or not the read is split.
/// </summary>
public sealed class AuditVerify_Specs : IAsyncLifetime
{
    private static readonly DateTimeOffset Start = new(2024, 6, 1, 12, 0, 0, TimeSpan.Zero);
    private readonly IsolatedEnvironment env = new();

    public Task InitializeAsync() => env.InitializeAsync();

    public Task DisposeAsync() => env.DisposeAsync();

    // 40 records; read in two halves they split after record 20.
    [Theory]
    [InlineData("intact", null, null)]
    [InlineData("UPDATE registry.audit_log SET actor = 'mallory' WHERE sequence = 13", 13L, AuditFault.HashMismatch)]
    [InlineData("UPDATE registry.audit_log SET details = jsonb_set(details, '{version}', '99') WHERE sequence = 21", 21L, AuditFault.HashMismatch)]
    [InlineData("UPDATE registry.audit_log SET recorded_at = recorded_at + interval '1 microsecond' WHERE sequence = 30", 30L, AuditFault.HashMismatch)]
    [InlineData("UPDATE registry.audit_log SET recorded_at = 'infinity' WHERE sequence = 7", 7L, AuditFault.HashMismatch)]
    [InlineData("UPDATE registry.audit_log SET subject = 'sentiment/é' WHERE sequence = 9", 9L, AuditFault.HashMismatch)]
    [InlineData("UPDATE registry.audit_log SET model_name = NULL WHERE sequence = 11", 11L, AuditFault.HashMismatch)]
    [InlineData("UPDATE registry.audit_log SET hash = repeat('a', 64) WHERE sequence = 20", 20L, AuditFault.HashMismatch)]
    [InlineData("UPDATE registry.audit_log SET previous_hash = repeat('1', 64) WHERE sequence = 21", 21L, AuditFault.WrongPreviousHash)]
    [InlineData("UPDATE registry.audit_log SET previous_hash = repeat('1', 64) WHERE sequence = 1", 1L, AuditFault.WrongPreviousHash)]
    [InlineData("DELETE FROM registry.audit_log WHERE sequence = 5", 5L, AuditFault.Gap)]
    [InlineData("DELETE FROM registry.audit_log WHERE sequence = 20", 20L, AuditFault.Gap)]
    [InlineData("DELETE FROM registry.audit_log WHERE sequence = 21", 21L, AuditFault.Gap)]
    [InlineData("DELETE FROM registry.audit_log WHERE sequence IN (1, 2)", 1L, AuditFault.Gap)]
    [InlineData("DELETE FROM registry.audit_log WHERE sequence >= 38", null, null)] // a cut-off end moves the head: compare it elsewhere
    public async Task The_copy_path_split_or_not_gives_the_row_by_row_verdict(string tampering, long? firstBad, AuditFault? fault)
    {
        await AppendAsync(40);
        if (tampering != "intact") Assert.NotEqual(0, await env.TamperAsSuperuserAsync(tampering));

        await using var connection = await env.DataSource.OpenConnectionAsync();
        var reference = (await AuditReader.VerifyRowByRowAsync(connection, default)).Verification;
        var whole = (await AuditReader.VerifyAsync(connection, splitAbove: long.MaxValue, default)).Verification;
        var halves = (await AuditReader.VerifyAsync(connection, splitAbove: 0, default)).Verification;
        var byDefault = (await new AuditReader(env.DataSource).VerifyAsync()).Verification;

        Assert.Equal((firstBad, fault), (reference.FirstBadSequence, reference.Fault));
        Assert.Equal(reference, whole);
        Assert.Equal(reference, halves);
        Assert.Equal(reference, byDefault);
        // A walk over bad records leaves the connection usable.
        Assert.Equal(1, await connection.ExecuteScalarAsync<int>("SELECT 1"));
    }

    [Fact]
    public async Task An_empty_log_and_a_one_record_log_verify_split_or_not()
    {
        await using var connection = await env.DataSource.OpenConnectionAsync();
        var empty = (await AuditReader.VerifyAsync(connection, splitAbove: 0, default)).Verification;
        Assert.Equal(new AuditVerification(0, 0, 0, AuditChain.Genesis, [], 0), empty);

        var appended = await AppendAsync(1);
        var one = (await AuditReader.VerifyAsync(connection, splitAbove: 0, default)).Verification;
        Assert.Equal(new AuditVerification(1, 1, 1, appended[0].Hash, [], 0), one);

        appended.AddRange(await AppendAsync(1, from: 2));
        var two = (await AuditReader.VerifyAsync(connection, splitAbove: 0, default)).Verification;
        Assert.Equal(new AuditVerification(2, 2, 2, appended[1].Hash, [], 0), two);
    }

    [Fact]
    public async Task A_record_larger_than_the_read_buffer_verifies_and_its_tampering_is_named()
    {
        await AppendAsync(3);
        await using (var c = await env.DataSource.OpenConnectionAsync())
        await using (var tx = await c.BeginTransactionAsync())
        {
            await AuditLog.AppendAsync(c, tx, new AuditAppend("alice", "version.registered", "model_version", "big/1", "big",
                new { blob = new string('x', 700_000) + "é" }), Start, default);
            await tx.CommitAsync();
        }
        await AppendAsync(3, from: 5);

        await using var connection = await env.DataSource.OpenConnectionAsync();
        var intact = (await AuditReader.VerifyAsync(connection, splitAbove: long.MaxValue, default)).Verification;
        Assert.Equal((true, 7L), (intact.Ok, intact.Verified));

        await env.TamperAsSuperuserAsync("UPDATE registry.audit_log SET details = jsonb_set(details, '{blob}', '\"y\"') WHERE sequence = 4");
        var reference = (await AuditReader.VerifyRowByRowAsync(connection, default)).Verification;
        Assert.Equal((4L, AuditFault.HashMismatch), (reference.FirstBadSequence, reference.Fault));
        Assert.Equal(reference, (await AuditReader.VerifyAsync(connection, splitAbove: long.MaxValue, default)).Verification);
        Assert.Equal(reference, (await AuditReader.VerifyAsync(connection, splitAbove: 0, default)).Verification);
    }

    private async Task<List<AuditEntry>> AppendAsync(int count, int from = 1)
    {
        var entries = new List<AuditEntry>();
        for (var n = from; n < from + count; n++)
        {
            await using var c = await env.DataSource.OpenConnectionAsync();
            await using var tx = await c.BeginTransactionAsync();
            entries.Add(await AuditLog.AppendAsync(c, tx, new AuditAppend(
                n % 3 == 0 ? "svc:registration" : "ålice@example.com", n % 2 == 0 ? "version.registered" : "stage.changed", "model_version",
                $"sentiment/{n}", n % 4 == 0 ? null : "sentiment",
                new { version = n, stage = "staging", note = $"line\n\"{n}\" ✓", gates = new { f1 = 0.5m + n / 100m, ok = n % 2 == 0 } }),
                Start.AddSeconds(n * 1.25), default));
            await tx.CommitAsync();
        }
        return entries;
    }
}
