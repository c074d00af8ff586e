using Dapper;
using Npgsql;

namespace ModelRegistry.Deployments;

/// <summary>
/// One interval of the history as the read commands show it: [From, To) on an endpoint, To null while it serves.
/// <see cref="VersionId"/> null: the digest belongs to no registered version (a shadow model).
/// </summary>
public sealed record ServedInterval(string EndpointId, string Environment, string DeploymentId, Guid? VersionId, string? ModelName, int? Version,
    string? ManifestDigest, double TrafficPercent, DateTime From, DateTime? To, string Source, string? ClosedBy)
{
    public bool Registered => VersionId is not null;
}

/// <summary>How many endpoints of an environment serve some version of a model now.</summary>
public sealed record ModelServing(Guid ModelId, string Environment, long Endpoints);

/// <summary>The read side of the deployment history (<c>mreg trace</c>, <c>deployments list</c>, <c>where</c>, <c>production</c>, <c>models list</c>).</summary>
public static class DeploymentQueries
{
    public const string Production = "production";

    private const string Columns = """
        i.endpoint_id AS EndpointId, i.environment AS Environment, i.deployment_id AS DeploymentId, i.version_id AS VersionId,
        i.model_name AS ModelName, i.version AS Version, i.manifest_digest AS ManifestDigest, i.traffic_percent AS TrafficPercent,
        lower(i.served) AS From, upper(i.served) AS To, i.source AS Source, i.closed_by AS ClosedBy
        """;

    // One probe of the GiST index on (endpoint_id, served): equality on the first column, containment on the second.
    public const string TraceSql = $"""
        SELECT {Columns}
        FROM registry.deployment_intervals i
        WHERE i.endpoint_id = @Endpoint AND i.served @> @At::timestamptz
        ORDER BY i.traffic_percent DESC, i.deployment_id
        """;

    private const string ListSql = $"""
        SELECT {Columns}
        FROM registry.deployment_intervals i
        WHERE (@Endpoint::text IS NULL OR i.endpoint_id = @Endpoint) AND (@Model::text IS NULL OR i.model_name = @Model)
        ORDER BY lower(i.served) DESC, i.endpoint_id, i.deployment_id
        LIMIT @Limit
        """;

    // By the version's id, and by its digest for intervals recorded before the version was registered.
    private const string WhereSql = $"""
        SELECT {Columns}
        FROM registry.model_versions v JOIN registry.models m USING (model_id)
        JOIN registry.deployment_intervals i ON i.version_id = v.version_id OR i.manifest_digest = v.manifest_digest
        WHERE m.name = @Name AND v.version = @Version
        ORDER BY lower(i.served), i.endpoint_id, i.deployment_id
        """;

    private const string VersionExistsSql = """
        SELECT EXISTS (SELECT FROM registry.model_versions v JOIN registry.models m USING (model_id) WHERE m.name = @Name AND v.version = @Version)
        """;

    private const string ServingNowSql = $"""
        SELECT {Columns}
        FROM registry.deployment_intervals i
        WHERE i.environment = @Environment AND upper_inf(i.served)
        ORDER BY i.endpoint_id, i.traffic_percent DESC, i.deployment_id
        """;

    private const string EndpointExistsSql = "SELECT EXISTS (SELECT FROM registry.endpoints WHERE endpoint_id = @Endpoint)";

    private const string ServingByModelSql = """
        SELECT v.model_id AS ModelId, i.environment AS Environment, count(DISTINCT i.endpoint_id) AS Endpoints
        FROM registry.deployment_intervals i JOIN registry.model_versions v USING (version_id)
        WHERE upper_inf(i.served) AND v.model_id = ANY(@ModelIds)
        GROUP BY v.model_id, i.environment
        ORDER BY v.model_id, i.environment
        """;

    /// <summary>What served on <paramref name="endpoint"/> at <paramref name="at"/>: every interval with From ≤ at &lt; To.</summary>
    public static async Task<IReadOnlyList<ServedInterval>> TraceAsync(NpgsqlConnection connection, string endpoint, DateTimeOffset at,
        CancellationToken ct) =>
        (await connection.QueryAsync<ServedInterval>(new CommandDefinition(TraceSql, new { Endpoint = endpoint, At = at.ToUniversalTime() },
            cancellationToken: ct))).ToList();

    /// <summary>Whether any event of <paramref name="endpoint"/> was ever recorded.</summary>
    public static Task<bool> EndpointExistsAsync(NpgsqlConnection connection, string endpoint, CancellationToken ct) =>
        connection.ExecuteScalarAsync<bool>(new CommandDefinition(EndpointExistsSql, new { Endpoint = endpoint }, cancellationToken: ct));

    /// <summary>Intervals, newest start first, of one endpoint and/or one model when given.</summary>
    public static async Task<IReadOnlyList<ServedInterval>> ListAsync(NpgsqlConnection connection, string? endpoint, string? model, int limit,
        CancellationToken ct) =>
        (await connection.QueryAsync<ServedInterval>(new CommandDefinition(ListSql, new { Endpoint = endpoint, Model = model, Limit = limit },
            cancellationToken: ct))).ToList();

    /// <summary>Every interval of the version on any endpoint, oldest first; null when there is no such version.</summary>
    public static async Task<IReadOnlyList<ServedInterval>?> WhereAsync(NpgsqlConnection connection, string name, int version, CancellationToken ct)
    {
        var args = new { Name = name, Version = version };
        if (!await connection.ExecuteScalarAsync<bool>(new CommandDefinition(VersionExistsSql, args, cancellationToken: ct))) return null;
        return (await connection.QueryAsync<ServedInterval>(new CommandDefinition(WhereSql, args, cancellationToken: ct))).ToList();
    }

    /// <summary>What serves now on the endpoints of <paramref name="environment"/>, registered or not, by endpoint.</summary>
    public static async Task<IReadOnlyList<ServedInterval>> ServingNowAsync(NpgsqlConnection connection, string environment, CancellationToken ct) =>
        (await connection.QueryAsync<ServedInterval>(new CommandDefinition(ServingNowSql, new { Environment = environment }, cancellationToken: ct))).ToList();

    /// <summary>For each of <paramref name="modelIds"/>, the number of endpoints serving one of its versions now, by environment.</summary>
    public static async Task<ILookup<Guid, ModelServing>> ServingByModelAsync(NpgsqlConnection connection, IReadOnlyCollection<Guid> modelIds,
        CancellationToken ct) =>
        (await connection.QueryAsync<ModelServing>(new CommandDefinition(ServingByModelSql, new { ModelIds = modelIds.ToArray() },
            cancellationToken: ct))).ToLookup(s => s.ModelId);
}
