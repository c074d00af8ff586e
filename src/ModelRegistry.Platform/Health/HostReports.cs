using Dapper;
using Npgsql;

namespace ModelRegistry.Platform;

/// <summary>One host's last report of itself (<c>registry.hosts</c>), as <c>mreg status</c> shows it.</summary>
public sealed record HostStatus(string Instance, string Workers, string Status, string Detail, string Queues, DateTime ReportedAt, double SecondsAgo);

/// <summary>The read side of the hosts' health reports and of the outbox's set-aside rows.</summary>
public static class HostReports
{
    // Each host reports what its own bus consumes (HostHealthMonitor): the broker's consumer counts alone
    // cannot say which process holds them.
    private const string Hosts = """
        SELECT instance, workers, status, detail->>'detail' AS detail,
               coalesce((SELECT string_agg(q->>'queue' || ':' || (q->>'consumers'), ' ') FROM jsonb_array_elements(detail->'queues') q), '') AS queues,
               reported_at AS reportedat, extract(epoch FROM now() - reported_at)::float8 AS secondsago
        FROM registry.hosts ORDER BY instance
        """;

    private const string DeadOutboxRows = "SELECT count(*) FROM registry.outbox_dead";

    public static async Task<IReadOnlyList<HostStatus>> ListAsync(NpgsqlConnection connection, CancellationToken ct) =>
        (await connection.QueryAsync<HostStatus>(new CommandDefinition(Hosts, cancellationToken: ct))).ToList();

    public static Task<long> DeadOutboxCountAsync(NpgsqlConnection connection, CancellationToken ct) =>
        connection.ExecuteScalarAsync<long>(new CommandDefinition(DeadOutboxRows, cancellationToken: ct));
}
