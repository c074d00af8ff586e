using Dapper;
using ModelRegistry.Contracts;
using Npgsql;

namespace ModelRegistry.Platform;

public interface IProbeStore
{
    /// <summary>Records a probe once; a repeat delivery only counts up. Returns when it was first recorded.</summary>
    Task<DateTimeOffset> RecordAsync(RunProbe probe, string recordedBy, CancellationToken cancellationToken);
}

public sealed class ProbeStore(NpgsqlDataSource dataSource) : IProbeStore
{
    private const string Upsert = """
        INSERT INTO registry.probes (probe_id, requested_by, requested_at, recorded_by)
        VALUES (@ProbeId, @RequestedBy, @RequestedAt, @RecordedBy)
        ON CONFLICT (probe_id) DO UPDATE SET deliveries = registry.probes.deliveries + 1
        RETURNING recorded_at
        """;

    public async Task<DateTimeOffset> RecordAsync(RunProbe probe, string recordedBy, CancellationToken cancellationToken)
    {
        var recordedAt = await DatabaseResilience.Pipeline.ExecuteAsync(async token =>
        {
            await using var connection = await dataSource.OpenConnectionAsync(token);
            return await connection.ExecuteScalarAsync<DateTime>(new CommandDefinition(Upsert, new
            {
                probe.ProbeId,
                probe.RequestedBy,
                probe.RequestedAt,
                RecordedBy = recordedBy,
            }, cancellationToken: token));
        }, cancellationToken);
        return new DateTimeOffset(DateTime.SpecifyKind(recordedAt, DateTimeKind.Utc));
    }
}
