using Dapper;
using ModelRegistry.Contracts;
using ModelRegistry.Platform;
using ModelRegistry.Testing;

namespace ModelRegistry.Persistence.Tests;

public class ProbeStore_Specs(IsolatedEnvironment env) : IClassFixture<IsolatedEnvironment>
{
    [Fact]
    public async Task A_probe_delivered_twice_is_one_row_that_counts_both_deliveries()
    {
        var store = new ProbeStore(env.DataSource);
        var probe = new RunProbe { ProbeId = Guid.NewGuid(), RequestedBy = "spec", RequestedAt = DateTimeOffset.UtcNow };

        var first = await store.RecordAsync(probe, "host-a", default);
        var second = await store.RecordAsync(probe, "host-b", default);

        Assert.Equal(first, second);
        await using var c = await env.DataSource.OpenConnectionAsync();
        var row = await c.QuerySingleAsync<(string RecordedBy, int Deliveries)>(
            "SELECT recorded_by, deliveries FROM registry.probes WHERE probe_id = @id", new { id = probe.ProbeId });
        Assert.Equal(("host-a", 2), row);
    }
}
