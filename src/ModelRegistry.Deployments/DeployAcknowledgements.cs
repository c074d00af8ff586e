using Dapper;
using ModelRegistry.Contracts.Promotion;
using ModelRegistry.Deployments.Rules;
using ModelRegistry.Platform;
using ModelRegistry.Platform.Audit;

namespace ModelRegistry.Deployments;

/// <summary>
/// Matches deploy instructions (DeployModelVersion) with the ModelDeployed that carries each out, from both sides and in
/// the caller's unit of work (docs/deployments.md, "Acknowledgement"). Both sides first take a transaction lock on the
/// manifest digest: without it, an instruction and its deployment committed at the same moment would each miss the
/// other (neither sees the other's uncommitted row) and the instruction would stay unacknowledged for ever.
/// </summary>
public static class DeployAcknowledgements
{
    private const string LockDigest = "SELECT pg_advisory_xact_lock(hashtextextended('deploy-ack:' || @digest, 0))";

    private const string InsertInstruction = """
        INSERT INTO registry.deploy_instructions (instruction_id, cause, model_name, version, model_version_id, manifest_digest, issued_at, due_at,
            stage_sequence)
        VALUES (@Id, @Cause, @ModelName, @Version, @ModelVersionId, @Digest, @IssuedAt, @DueAt, @StageSequence)
        ON CONFLICT (instruction_id) DO NOTHING
        """;

    // The deployed events of the digest that could acknowledge an instruction issued at @issued (deployment_events_deployed_digest).
    private const string DeployedOfDigest = """
        SELECT deployment_id AS DeploymentId, endpoint_id AS EndpointId, environment AS Environment, manifest_digest AS Digest, at AS At,
               instruction_id AS InstructionId
        FROM registry.deployment_events
        WHERE kind = 'deployed' AND manifest_digest = @digest AND (at >= @issued OR instruction_id = @id)
        """;

    private const string OpenInstructionsOfDigest = """
        SELECT instruction_id AS InstructionId, manifest_digest AS Digest, issued_at AS IssuedAt, acknowledged_at AS AcknowledgedAt
        FROM registry.deploy_instructions
        WHERE manifest_digest = @digest AND (acknowledged_at IS NULL OR acknowledged_at > @at)
        """;

    private const string Acknowledge = """
        UPDATE registry.deploy_instructions
        SET acknowledged_at = @At, acknowledged_by = @DeploymentId, acknowledged_endpoint = @EndpointId
        WHERE instruction_id = @InstructionId AND (acknowledged_at IS NULL OR acknowledged_at > @At)
        """;

    /// <summary>
    /// Records <paramref name="instruction"/> (once: false when it was recorded before) and acknowledges it at once when
    /// its deployment was recorded first.
    /// </summary>
    public static async Task<bool> RecordInstructionAsync(UnitOfWork work, DeployModelVersion instruction, TimeSpan timeout, CancellationToken token)
    {
        ArgumentNullException.ThrowIfNull(work);
        ArgumentNullException.ThrowIfNull(instruction);
        await LockAsync(work, instruction.ManifestDigest, token);
        var inserted = await work.Connection.ExecuteAsync(new CommandDefinition(InsertInstruction, new
        {
            Id = instruction.DeploymentId, instruction.Cause, instruction.ModelName, instruction.Version, instruction.ModelVersionId,
            Digest = instruction.ManifestDigest, IssuedAt = instruction.IssuedAt.ToUniversalTime(),
            DueAt = (instruction.IssuedAt + timeout).ToUniversalTime(),
            // 0: an instruction from before instructions carried one (docs/messages.md); kept as unknown.
            StageSequence = instruction.StageSequence > 0 ? instruction.StageSequence : (long?)null,
        }, work.Transaction, cancellationToken: token));
        if (inserted == 0) return false;
        work.Audit(new AuditAppend(DeploymentStore.AuditActor, "deployment.instruction_recorded", "instruction", instruction.DeploymentId.ToString("D"),
            instruction.ModelName, new
            {
                modelVersion = $"{instruction.ModelName}/{instruction.Version}", manifestDigest = instruction.ManifestDigest, cause = instruction.Cause,
                issuedAt = instruction.IssuedAt, dueAt = instruction.IssuedAt + timeout, stageSequence = instruction.StageSequence,
            }));

        var fact = new InstructionFact(instruction.DeploymentId, instruction.ManifestDigest, instruction.IssuedAt);
        var rows = await work.Connection.QueryAsync<DeployedRow>(new CommandDefinition(DeployedOfDigest,
            new { digest = instruction.ManifestDigest, issued = instruction.IssuedAt.ToUniversalTime(), id = instruction.DeploymentId },
            work.Transaction, cancellationToken: token));
        if (DeployAcknowledgement.First(fact, rows.Select(r => r.ToFact())) is { } deployed)
            await AcknowledgeAsync(work, instruction.DeploymentId, instruction.ModelName, deployed, token);
        return true;
    }

    /// <summary>
    /// Called for a deployed event just recorded (<see cref="DeploymentStore.RecordAsync"/>): acknowledges every
    /// instruction it carries out that has no earlier acknowledgement.
    /// </summary>
    public static async Task AcknowledgeByAsync(UnitOfWork work, DeployedFact deployed, CancellationToken token)
    {
        ArgumentNullException.ThrowIfNull(work);
        ArgumentNullException.ThrowIfNull(deployed);
        if (deployed.Digest is null) return;
        await LockAsync(work, deployed.Digest, token);
        var open = await work.Connection.QueryAsync<InstructionRow>(new CommandDefinition(OpenInstructionsOfDigest,
            new { digest = deployed.Digest, at = deployed.At.ToUniversalTime() }, work.Transaction, cancellationToken: token));
        foreach (var row in open)
        {
            if (DeployAcknowledgement.Replaces(row.ToFact(), row.AcknowledgedAtUtc, deployed))
                await AcknowledgeAsync(work, row.InstructionId, null, deployed, token);
        }
    }

    private static async Task AcknowledgeAsync(UnitOfWork work, Guid instructionId, string? modelName, DeployedFact deployed, CancellationToken token)
    {
        var changed = await work.Connection.ExecuteAsync(new CommandDefinition(Acknowledge, new
        {
            At = deployed.At.ToUniversalTime(), deployed.DeploymentId, deployed.EndpointId, InstructionId = instructionId,
        }, work.Transaction, cancellationToken: token));
        if (changed == 0) return;
        work.Audit(new AuditAppend(DeploymentStore.AuditActor, "deployment.instruction_acknowledged", "instruction", instructionId.ToString("D"), modelName,
            new
            {
                deploymentId = deployed.DeploymentId, endpointId = deployed.EndpointId, environment = deployed.Environment,
                manifestDigest = deployed.Digest, deployedAt = deployed.At, byInstructionId = deployed.InstructionId == instructionId,
            }));
    }

    private static Task<int> LockAsync(UnitOfWork work, string digest, CancellationToken token) =>
        work.Connection.ExecuteAsync(new CommandDefinition(LockDigest, new { digest }, work.Transaction, cancellationToken: token));

    private static DateTimeOffset Utc(DateTime t) => new(DateTime.SpecifyKind(t, DateTimeKind.Utc));

    private sealed record DeployedRow(string DeploymentId, string EndpointId, string Environment, string? Digest, DateTime At, Guid? InstructionId)
    {
        public DeployedFact ToFact() => new(DeploymentId, EndpointId, Environment, Digest, Utc(At), InstructionId);
    }

    private sealed record InstructionRow(Guid InstructionId, string Digest, DateTime IssuedAt, DateTime? AcknowledgedAt)
    {
        public DateTimeOffset? AcknowledgedAtUtc => AcknowledgedAt is { } t ? Utc(t) : null;

        public InstructionFact ToFact() => new(InstructionId, Digest, Utc(IssuedAt));
    }
}
