using Dapper;
using ModelRegistry.Contracts.Deployments;
using Npgsql;

namespace ModelRegistry.Deployments;

/// <summary>A policy violation as <c>mreg violations list</c> shows it.</summary>
public sealed record PolicyViolationView(Guid ViolationId, DateTime DetectedAt, string Kind, string? EndpointId, string? Environment,
    string? ModelName, int? Version, string? ManifestDigest, Guid? InstructionId, string Message, DateTime? ResolvedAt);

/// <summary>Read queries over registry.policy_violations.</summary>
public static class ViolationQueries
{
    /// <summary>The kinds a violation has (<see cref="PolicyViolationDetected.Kind"/>).</summary>
    public static IReadOnlyList<string> Kinds { get; } =
        [DeploymentReasons.StageNotAllowed, DeploymentReasons.RetiredServing, DeploymentReasons.UnregisteredServing, DeploymentReasons.DeployNotAcknowledged];

    private const string List = """
        SELECT violation_id AS ViolationId, detected_at AS DetectedAt, kind AS Kind, endpoint_id AS EndpointId, environment AS Environment,
               model_name AS ModelName, version AS Version, manifest_digest AS ManifestDigest, instruction_id AS InstructionId, message AS Message,
               resolved_at AS ResolvedAt
        FROM registry.policy_violations
        WHERE @kind::text IS NULL OR kind = @kind
        ORDER BY detected_at DESC, violation_id
        LIMIT @limit
        """;

    /// <summary>The <paramref name="limit"/> most recent violations, of <paramref name="kind"/> when given, newest first.</summary>
    public static async Task<IReadOnlyList<PolicyViolationView>> ListAsync(NpgsqlConnection connection, string? kind, int limit, CancellationToken ct) =>
        (await connection.QueryAsync<PolicyViolationView>(new CommandDefinition(List, new { kind, limit }, cancellationToken: ct))).ToList();
}
