using Dapper;
using ModelRegistry.Deployments.Rules;
using ModelRegistry.Platform;
using Npgsql;

namespace ModelRegistry.Deployments;

/// <summary>An unchanged heartbeat to write: the endpoint's latest one of a batch, and the unregistered digests it still reports.</summary>
public sealed record InventoryTouch(string EndpointId, string Environment, string? Platform, DateTimeOffset ReportedAt, IReadOnlyList<string> ShadowDigests);

/// <summary>
/// The inventory consumer's database work: the state of a batch's endpoints in one query, and the unchanged heartbeats of
/// a batch in one round trip (two multi-row statements, one implicit transaction). Heartbeats that change the history go
/// through <see cref="DeploymentStore.RecordAsync"/> instead.
/// </summary>
public sealed class InventoryStore(NpgsqlDataSource dataSource)
{
    public Task<Dictionary<string, EndpointInventoryState>> LoadAsync(IReadOnlyCollection<string> endpointIds, CancellationToken cancellationToken) =>
        DatabaseResilience.Pipeline.ExecuteAsync(async token =>
        {
            await using var connection = await dataSource.OpenConnectionAsync(token);
            var rows = await connection.QueryAsync<StateRow>(new CommandDefinition(InventorySql.StateOfEndpoints,
                new { ids = endpointIds.ToArray() }, cancellationToken: token));
            return rows.GroupBy(r => r.EndpointId, StringComparer.Ordinal).ToDictionary(g => g.Key, g => ToState(g.ToList()), StringComparer.Ordinal);
        }, cancellationToken).AsTask();

    /// <summary>Writes the touches: each endpoint row and sighting moves only when later by <paramref name="granularity"/>.</summary>
    public Task TouchAsync(IReadOnlyList<InventoryTouch> touches, TimeSpan granularity, CancellationToken cancellationToken)
    {
        if (touches.Count == 0) return Task.CompletedTask;
        var sorted = touches.OrderBy(t => t.EndpointId, StringComparer.Ordinal).ToList();
        var sightings = sorted.SelectMany(t => t.ShadowDigests.Select(d => (t.EndpointId, Digest: d, t.ReportedAt))).ToList();
        return DatabaseResilience.Pipeline.ExecuteAsync(async token =>
        {
            await using var connection = await dataSource.OpenConnectionAsync(token);
            // Without an explicit transaction a batch runs in one implicit transaction: both statements or neither.
            await using var batch = new NpgsqlBatch(connection);
            batch.BatchCommands.Add(Command(InventorySql.TouchEndpoints,
                sorted.Select(t => t.EndpointId).ToArray(),
                sorted.Select(t => t.Environment).ToArray(),
                sorted.Select(t => t.Platform).ToArray(),
                sorted.Select(t => t.ReportedAt.ToUniversalTime()).ToArray(),
                granularity));
            if (sightings.Count > 0)
                batch.BatchCommands.Add(Command(InventorySql.TouchSightings,
                    sightings.Select(s => s.EndpointId).ToArray(),
                    sightings.Select(s => s.Digest).ToArray(),
                    sightings.Select(s => s.ReportedAt.ToUniversalTime()).ToArray(),
                    granularity));
            await batch.ExecuteNonQueryAsync(token);
        }, cancellationToken).AsTask();
    }

    private static NpgsqlBatchCommand Command(string sql, params object?[] values)
    {
        var command = new NpgsqlBatchCommand(sql);
        foreach (var value in values) command.Parameters.Add(new NpgsqlParameter { Value = value ?? DBNull.Value });
        return command;
    }

    private static EndpointInventoryState ToState(List<StateRow> rows)
    {
        var first = rows[0];
        var open = rows.Where(r => r.DeploymentId is not null).Select(r => new HistoryInterval(r.DeploymentId!, r.ModelName, r.Version, r.Digest,
            r.Traffic ?? 0, Utc(r.OpenedAt!.Value), null, r.Source!, null)).ToList();
        var unregistered = rows.Where(r => r.DeploymentId is not null && r.Digest is not null && r.Registered != true)
            .Select(r => r.Digest!).ToHashSet(StringComparer.Ordinal);
        return new EndpointInventoryState(first.Environment, open, unregistered,
            first.LastStoredEventAt is { } e ? Utc(e) : null, first.LastReportedAt is { } r ? Utc(r) : null);
    }

    private static DateTimeOffset Utc(DateTime t) => new(DateTime.SpecifyKind(t, DateTimeKind.Utc));

    private sealed record StateRow(string EndpointId, string Environment, DateTime? LastReportedAt, DateTime? LastStoredEventAt,
        string? DeploymentId, string? ModelName, int? Version, string? Digest, double? Traffic, DateTime? OpenedAt, string? Source, bool? Registered);
}
