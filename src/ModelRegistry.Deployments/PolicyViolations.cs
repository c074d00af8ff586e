using ModelRegistry.Contracts.Deployments;
using ModelRegistry.Platform;
using ModelRegistry.Platform.Audit;
using Npgsql;

namespace ModelRegistry.Deployments;

/// <summary>A violation to raise: <see cref="Key"/> (kind and subject) makes it raised once however often it is found.</summary>
public sealed record ViolationCandidate(string Kind, string Key, string Message, string? EndpointId = null, string? Environment = null,
    string? ModelName = null, int? Version = null, string? ManifestDigest = null, Guid? InstructionId = null);

/// <summary>
/// Raises policy violations inside a unit of work: a row in registry.policy_violations (unique by key), the
/// <see cref="PolicyViolationDetected"/> event and an audit record, all or nothing with the caller's transaction.
/// </summary>
public static class PolicyViolations
{
    private const string Insert = """
        INSERT INTO registry.policy_violations (violation_id, violation_key, kind, endpoint_id, environment, model_name, version,
            manifest_digest, instruction_id, message, detected_at)
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
        ON CONFLICT (violation_key) DO NOTHING
        """;

    /// <summary>Raises <paramref name="candidate"/> unless a violation with its key was raised before; true when raised now.</summary>
    public static async Task<bool> RaiseAsync(UnitOfWork work, ViolationCandidate candidate, DateTimeOffset now, CancellationToken token)
    {
        ArgumentNullException.ThrowIfNull(work);
        ArgumentNullException.ThrowIfNull(candidate);
        var id = Guid.NewGuid();
        await using var command = new NpgsqlCommand(Insert, work.Connection, work.Transaction);
        foreach (var value in new object?[] { id, candidate.Key, candidate.Kind, candidate.EndpointId, candidate.Environment, candidate.ModelName,
                     candidate.Version, candidate.ManifestDigest, candidate.InstructionId, candidate.Message, now.ToUniversalTime() })
            command.Parameters.Add(new NpgsqlParameter { Value = value ?? DBNull.Value });
        if (await command.ExecuteNonQueryAsync(token) == 0) return false;
        work.Publish(new PolicyViolationDetected
        {
            ViolationId = id,
            Kind = candidate.Kind,
            EndpointId = candidate.EndpointId,
            Environment = candidate.Environment,
            ModelName = candidate.ModelName,
            Version = candidate.Version,
            ManifestDigest = candidate.ManifestDigest,
            InstructionId = candidate.InstructionId,
            Message = candidate.Message,
            DetectedAt = now,
        });
        work.Audit(new AuditAppend(DeploymentStore.AuditActor, "deployment.violation", "violation", id.ToString(), candidate.ModelName, new
        {
            kind = candidate.Kind,
            key = candidate.Key,
            endpointId = candidate.EndpointId,
            environment = candidate.Environment,
            modelVersion = candidate.ModelName is null ? null : $"{candidate.ModelName}/{candidate.Version}",
            manifestDigest = candidate.ManifestDigest,
            instructionId = candidate.InstructionId,
            message = candidate.Message,
        }));
        return true;
    }
}
