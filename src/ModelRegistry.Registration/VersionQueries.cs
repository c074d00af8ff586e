using Dapper;
using Npgsql;

namespace ModelRegistry.Registration;

/// <summary>A version's own row.</summary>
public sealed record VersionRow(Guid VersionId, string ManifestDigest, string IdempotencyKey, string? Description, string OwnerTeam,
    string RiskTier, DateTime TrainedAt, DateTime RegisteredAt);

public sealed record VersionFile(string Path, string Role, string Sha256, long Size, string SourceUri);
public sealed record LineageDataset(string Name, string Version, string Digest);
public sealed record LineageRow(string TrainingRunId, string? TrainingRunUrl, string CodeRepository, string CodeCommit,
    string? BaseModelName, int? BaseModelVersion, string Hyperparameters);

/// <summary>Everything registration keeps of one version besides its row.</summary>
public sealed record VersionContents(IReadOnlyDictionary<string, string> Tags, IReadOnlyList<VersionFile> Files, LineageRow? Lineage,
    IReadOnlyList<LineageDataset> Datasets);

/// <summary>The version a manifest digest names (the first registered, when several models registered the same bytes).</summary>
public sealed record DigestVersion(string ModelName, int Version, Guid VersionId, string ManifestDigest);

/// <summary>A stored file as registered: what <c>mreg artifact verify</c> re-hashes.</summary>
public sealed record StoredFileRow(string Path, string Sha256, long Size);

/// <summary>The read side of the registration module's version tables (<c>mreg versions show</c>, <c>mreg artifact verify</c>).</summary>
public static class VersionQueries
{
    private const string FindSql = """
        SELECT v.version_id AS VersionId, v.manifest_digest AS ManifestDigest, v.idempotency_key AS IdempotencyKey,
               v.description AS Description, v.owner_team AS OwnerTeam, v.risk_tier AS RiskTier,
               v.trained_at AS TrainedAt, v.registered_at AS RegisteredAt
        FROM registry.model_versions v JOIN registry.models m USING (model_id)
        WHERE m.name = @Name AND v.version = @Version
        """;

    private const string ContentsSql = """
        SELECT key AS Key, value AS Value FROM registry.version_tags WHERE version_id = @VersionId ORDER BY key;

        SELECT path AS Path, role AS Role, sha256 AS Sha256, size AS Size, source_uri AS SourceUri
        FROM registry.artifact_files WHERE version_id = @VersionId ORDER BY path;

        SELECT training_run_id AS TrainingRunId, training_run_url AS TrainingRunUrl, code_repository AS CodeRepository,
               code_commit AS CodeCommit, base_model_name AS BaseModelName, base_model_version AS BaseModelVersion,
               hyperparameters::text AS Hyperparameters
        FROM registry.lineage WHERE version_id = @VersionId;

        SELECT name AS Name, version AS Version, digest AS Digest
        FROM registry.lineage_datasets WHERE version_id = @VersionId ORDER BY name, version;
        """;

    private const string FilesSql = """
        SELECT v.version_id FROM registry.model_versions v JOIN registry.models m USING (model_id)
        WHERE m.name = @Name AND v.version = @Version;

        SELECT f.path AS Path, f.sha256 AS Sha256, f.size AS Size
        FROM registry.artifact_files f JOIN registry.model_versions v USING (version_id) JOIN registry.models m USING (model_id)
        WHERE m.name = @Name AND v.version = @Version ORDER BY f.path;
        """;

    private const string ByDigestSql = """
        SELECT m.name AS ModelName, v.version AS Version, v.version_id AS VersionId, v.manifest_digest AS ManifestDigest
        FROM registry.model_versions v JOIN registry.models m USING (model_id)
        WHERE v.manifest_digest = @Digest
        ORDER BY v.registered_at, v.version_id
        LIMIT 1
        """;

    /// <summary>The version registered with this manifest digest (the first, when several were), or null (<c>mreg artifact fetch --digest</c>).</summary>
    public static Task<DigestVersion?> FindByDigestAsync(NpgsqlConnection connection, string digest, CancellationToken ct) =>
        connection.QuerySingleOrDefaultAsync<DigestVersion>(new CommandDefinition(ByDigestSql, new { Digest = digest }, cancellationToken: ct));

    public static Task<VersionRow?> FindAsync(NpgsqlConnection connection, string name, int version, CancellationToken ct) =>
        connection.QuerySingleOrDefaultAsync<VersionRow>(new CommandDefinition(FindSql, new { Name = name, Version = version }, cancellationToken: ct));

    public static async Task<VersionContents> ContentsAsync(NpgsqlConnection connection, Guid versionId, CancellationToken ct)
    {
        await using var results = await connection.QueryMultipleAsync(new CommandDefinition(ContentsSql, new { VersionId = versionId }, cancellationToken: ct));
        var tags = (await results.ReadAsync<TagRow>()).ToDictionary(t => t.Key, t => t.Value);
        var files = (await results.ReadAsync<VersionFile>()).ToList();
        var lineage = await results.ReadSingleOrDefaultAsync<LineageRow>();
        var datasets = (await results.ReadAsync<LineageDataset>()).ToList();
        return new VersionContents(tags, files, lineage, datasets);
    }

    /// <summary>The version's stored files by path, or null when there is no such version.</summary>
    public static async Task<IReadOnlyList<StoredFileRow>?> FilesAsync(NpgsqlConnection connection, string name, int version, CancellationToken ct)
    {
        await using var results = await connection.QueryMultipleAsync(new CommandDefinition(FilesSql, new { Name = name, Version = version }, cancellationToken: ct));
        if (await results.ReadSingleOrDefaultAsync<Guid?>() is null) return null;
        return (await results.ReadAsync<StoredFileRow>()).ToList();
    }

    private sealed record TagRow(string Key, string Value);
}
