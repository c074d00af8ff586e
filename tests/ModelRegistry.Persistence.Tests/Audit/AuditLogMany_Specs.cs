using ModelRegistry.Platform.Audit;
using ModelRegistry.Testing;

namespace ModelRegistry.Persistence.Tests.Audit;

/// <summary>AuditLog.AppendManyAsync: many records under one take of the lock, interleaved with single appends.</summary>
public sealed class AuditLogMany_Specs : IAsyncLifetime
{
    private readonly IsolatedEnvironment env = new();

    public Task InitializeAsync() => env.InitializeAsync();

    public Task DisposeAsync() => env.DisposeAsync();

    [Fact]
    public async Task Groups_and_single_appends_from_concurrent_writers_make_one_gap_free_chain_that_verifies()
    {
        var returned = await Task.WhenAll(Enumerable.Range(0, 4).Select(w => Task.Run(async () =>
        {
            var mine = new List<AuditEntry>();
            for (var i = 0; i < 20; i++)
            {
                await using var c = await env.DataSource.OpenConnectionAsync();
                await using var tx = await c.BeginTransactionAsync();
                if (w % 2 == 0)
                    mine.AddRange(await AuditLog.AppendManyAsync(c, tx, [.. Enumerable.Range(0, 10).Select(k => Record(w, i * 10 + k))], DateTimeOffset.UtcNow, default));
                else
                    mine.Add(await AuditLog.AppendAsync(c, tx, Record(w, i), DateTimeOffset.UtcNow, default));
                await tx.CommitAsync();
            }
            return mine;
        })));

        var all = returned.SelectMany(r => r).OrderBy(e => e.Sequence).ToList();
        Assert.Equal(Enumerable.Range(1, 2 * 200 + 2 * 20).Select(n => (long)n), all.Select(e => e.Sequence));
        // A group is contiguous and in the order given.
        foreach (var mine in returned.Where((_, w) => w % 2 == 0))
            foreach (var group in mine.Chunk(10))
                Assert.Equal(Enumerable.Range((int)group[0].Sequence, 10).Select(n => (long)n), group.Select(e => e.Sequence));
        var report = await new AuditReader(env.DataSource).VerifyAsync();
        Assert.True(report.Verification.Ok, report.Verification.Reason);
        Assert.Equal(all[^1].Hash, report.Verification.LastHash);
    }

    [Fact]
    public async Task A_group_with_one_bad_record_appends_nothing()
    {
        await using var c = await env.DataSource.OpenConnectionAsync();
        await using var tx = await c.BeginTransactionAsync();
        await Assert.ThrowsAsync<ArgumentException>(() => AuditLog.AppendManyAsync(c, tx,
            [Record(0, 0), Record(0, 1) with { Details = "not an object" }], DateTimeOffset.UtcNow, default));
        Assert.Empty(await AuditLog.AppendManyAsync(c, tx, [], DateTimeOffset.UtcNow, default));
        await tx.CommitAsync();
        var report = await new AuditReader(env.DataSource).VerifyAsync();
        Assert.Equal(0, report.Verification.Verified);
    }

    private static AuditAppend Record(int writer, int i) =>
        new("svc:test", "version.registered", "model_version", $"m{writer}/{i}", $"m{writer}", new { writer, i, digest = "sha256:ab" });
}
