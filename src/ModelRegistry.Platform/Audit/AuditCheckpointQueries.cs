using Npgsql;

namespace ModelRegistry.Platform.Audit;

/// <summary>What checkpoints read of the log: its head, and the stored hashes of checkpointed records.</summary>
public static class AuditCheckpointQueries
{
    private const string HeadSql = "SELECT sequence, hash FROM registry.audit_log ORDER BY sequence DESC LIMIT 1";

    private const string HashesSql = "SELECT sequence, hash FROM registry.audit_log WHERE sequence = ANY($1)";

    private const string LastSql = "SELECT coalesce(max(sequence), 0) FROM registry.audit_log";

    /// <summary>The last record's sequence and stored hash; (0, 64 zeros) for an empty log.</summary>
    public static async Task<(long Sequence, string Hash)> HeadAsync(NpgsqlConnection connection, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand(HeadSql, connection);
        await using var reader = await command.ExecuteReaderAsync(ct);
        return await reader.ReadAsync(ct) ? (reader.GetInt64(0), reader.GetString(1)) : (0, AuditChain.Genesis);
    }

    /// <summary>The stored hash of each of <paramref name="sequences"/> that is in the log, and the log's last sequence.</summary>
    public static async Task<(IReadOnlyDictionary<long, string> Hashes, long LastSequence)> HashesAtAsync(NpgsqlConnection connection,
        IEnumerable<long> sequences, CancellationToken ct)
    {
        var hashes = new Dictionary<long, string>();
        await using (var command = new NpgsqlCommand(HashesSql, connection) { Parameters = { new() { Value = sequences.Distinct().ToArray() } } })
        await using (var reader = await command.ExecuteReaderAsync(ct))
        {
            while (await reader.ReadAsync(ct)) hashes[reader.GetInt64(0)] = reader.GetString(1);
        }
        await using var last = new NpgsqlCommand(LastSql, connection);
        return (hashes, (long)(await last.ExecuteScalarAsync(ct))!);
    }
}
