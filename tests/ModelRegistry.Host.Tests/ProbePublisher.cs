using ModelRegistry.Platform;
using Dapper;
using MassTransit;
using ModelRegistry.Contracts;
using ModelRegistry.Testing;

namespace ModelRegistry.Host.Tests;

/// <summary>Publishes through the real broker as an outside system would, and reads the database.</summary>
internal static class ProbePublisher
{
    public static async Task<List<Guid>> PublishAsync(IsolatedEnvironment env, int count, string requestedBy)
    {
        // As a person running the probe: the operator holds the probe role (config/access-policy.json).
        var bus = Bus.Factory.CreateUsingRabbitMq(cfg => cfg.Host(env.As(BrokerUsers.Operator)));
        await bus.StartAsync();
        try
        {
            var ids = Enumerable.Range(0, count).Select(_ => NewId.NextGuid()).ToList();
            foreach (var batch in ids.Chunk(200))
                await Task.WhenAll(batch.Select(id => bus.Publish(new RunProbe { ProbeId = id, RequestedBy = requestedBy, RequestedAt = DateTimeOffset.UtcNow })));
            return ids;
        }
        finally
        {
            await bus.StopAsync();
        }
    }

    public static async Task<long> CountAsync(IsolatedEnvironment env, string requestedBy)
    {
        await using var c = await env.DataSource.OpenConnectionAsync();
        return await c.ExecuteScalarAsync<long>("SELECT count(*) FROM registry.probes WHERE requested_by = @requestedBy", new { requestedBy });
    }
}
