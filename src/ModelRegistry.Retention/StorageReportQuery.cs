using Dapper;
using ModelRegistry.Contracts.Retention;
using ModelRegistry.Platform.Artifacts;
using ModelRegistry.Retention.Rules;
using Npgsql;

namespace ModelRegistry.Retention;

/// <summary>
/// The storage and cost report (<c>mreg storage report</c>, and <see cref="StorageReportGenerated"/> on the schedule):
/// every artifact object once, with the version its bytes are attributed to (the earliest-registered one referencing it)
/// and retention's dates, read in one statement; each object's tier is where its bytes are on disk now
/// (<see cref="IArtifactStore.Locate"/>, a stat per object), so the totals are the bytes the disks hold. The arithmetic
/// is <see cref="StorageReportRules"/>.
/// </summary>
public static class StorageReportQuery
{
    private const string Objects = """
        WITH archived AS (
            SELECT f.sha256, min(vr.archived_at) AS at
            FROM registry.version_retention vr JOIN registry.artifact_files f ON f.version_id = vr.version_id
            GROUP BY f.sha256),
        deleted AS (SELECT sha256, min(deleted_at) AS at FROM registry.artifact_tombstones GROUP BY sha256)
        SELECT o.sha256 AS Sha256, o.size AS Size, o.first_stored_at AS FirstStoredAt, a.name AS Model, a.owner_team AS Team, a.stage AS Stage,
               ar.at AS ArchivedAt, d.at AS DeletedAt
        FROM registry.artifact_objects o
        LEFT JOIN LATERAL (
            SELECT m.name, m.owner_team, coalesce(vs.stage, 'registered') AS stage
            FROM registry.artifact_files f
            JOIN registry.model_versions v ON v.version_id = f.version_id
            JOIN registry.models m ON m.model_id = v.model_id
            LEFT JOIN registry.version_stages vs ON vs.version_id = v.version_id
            WHERE f.sha256 = o.sha256
            ORDER BY v.registered_at, v.version_id
            LIMIT 1) a ON true
        LEFT JOIN archived ar ON ar.sha256 = o.sha256
        LEFT JOIN deleted d ON d.sha256 = o.sha256
        """;

    /// <summary>The report as of <paramref name="now"/>, named <paramref name="reportId"/>.</summary>
    public static async Task<StorageReportGenerated> RunAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, IArtifactStore store,
        RetentionOptions options, Guid reportId, DateTimeOffset now, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(connection);
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(options);
        var rows = await connection.QueryAsync<ObjectRow>(new CommandDefinition(Objects, null, transaction, cancellationToken: ct));
        var objects = rows.Select(r => new StoredObject(r.Sha256, r.Size, Utc(r.FirstStoredAt), r.Model, r.Team, r.Stage,
            r.ArchivedAt is { } a ? Utc(a) : null, r.DeletedAt is { } d ? Utc(d) : null, store.Locate(r.Sha256))).ToList();
        return StorageReportRules.Build(reportId, objects, PricesOf(options), now);
    }

    public static StoragePrices PricesOf(RetentionOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return new(options.StoredPricePerGbMonth, options.ArchivePricePerGbMonth, options.Currency);
    }

    private static DateTimeOffset Utc(DateTime t) => new(DateTime.SpecifyKind(t, DateTimeKind.Utc));

    private sealed class ObjectRow
    {
        public string Sha256 { get; init; } = "";
        public long Size { get; init; }
        public DateTime FirstStoredAt { get; init; }
        public string? Model { get; init; }
        public string? Team { get; init; }
        public string? Stage { get; init; }
        public DateTime? ArchivedAt { get; init; }
        public DateTime? DeletedAt { get; init; }
    }
}
