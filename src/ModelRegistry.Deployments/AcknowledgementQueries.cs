using Dapper;
using ModelRegistry.Deployments.Rules;
using Npgsql;

namespace ModelRegistry.Deployments;

/// <summary>
/// A deploy instruction and where its acknowledgement stands, as <c>mreg promotions show</c> shows it. State:
/// acknowledged, pending (not yet due), overdue (due, and the discovery audit has not run since) or not_acknowledged
/// (deploy_not_acknowledged was raised).
/// </summary>
public sealed record DeployAcknowledgementView(Guid InstructionId, string Cause, string ModelName, int Version, string ManifestDigest,
    DateTime IssuedAt, DateTime DueAt, string State, DateTime? AcknowledgedAt, string? AcknowledgedBy, string? AcknowledgedEndpoint,
    DateTime? ViolationRaisedAt)
{
    /// <summary>The model's stage-change number the instruction carried (null: recorded before instructions carried one).</summary>
    public long? StageSequence { get; init; }
}

/// <summary>Read queries over registry.deploy_instructions (the CLI composes them with the promotion module's).</summary>
public static class AcknowledgementQueries
{
    private const string Find = """
        SELECT instruction_id AS InstructionId, cause AS Cause, model_name AS ModelName, version AS Version, manifest_digest AS ManifestDigest,
               issued_at AS IssuedAt, due_at AS DueAt, acknowledged_at AS AcknowledgedAt, acknowledged_by AS AcknowledgedBy,
               acknowledged_endpoint AS AcknowledgedEndpoint, violation_raised_at AS ViolationRaisedAt, stage_sequence AS StageSequence
        FROM registry.deploy_instructions WHERE instruction_id = @id
        """;

    /// <summary>The instruction <paramref name="instructionId"/> (a promotion's or rollback's id); null when none was recorded.</summary>
    public static async Task<DeployAcknowledgementView?> FindAsync(NpgsqlConnection connection, Guid instructionId, DateTimeOffset now,
        CancellationToken ct)
    {
        var row = await connection.QuerySingleOrDefaultAsync<Row>(new CommandDefinition(Find, new { id = instructionId }, cancellationToken: ct));
        if (row is null) return null;
        var state = AcknowledgementStates.Of(Utc(row.AcknowledgedAt), Utc(row.DueAt)!.Value, Utc(row.ViolationRaisedAt), now);
        return new(row.InstructionId, row.Cause, row.ModelName, row.Version, row.ManifestDigest, row.IssuedAt, row.DueAt, NameOf(state),
            row.AcknowledgedAt, row.AcknowledgedBy, row.AcknowledgedEndpoint, row.ViolationRaisedAt) { StageSequence = row.StageSequence };
    }

    public static string NameOf(AcknowledgementState state) => state switch
    {
        AcknowledgementState.Acknowledged => "acknowledged",
        AcknowledgementState.Pending => "pending",
        AcknowledgementState.Overdue => "overdue",
        _ => "not_acknowledged",
    };

    private static DateTimeOffset? Utc(DateTime? t) => t is { } v ? new DateTimeOffset(DateTime.SpecifyKind(v, DateTimeKind.Utc)) : null;

    private sealed record Row(Guid InstructionId, string Cause, string ModelName, int Version, string ManifestDigest, DateTime IssuedAt, DateTime DueAt,
        DateTime? AcknowledgedAt, string? AcknowledgedBy, string? AcknowledgedEndpoint, DateTime? ViolationRaisedAt, long? StageSequence);
}
