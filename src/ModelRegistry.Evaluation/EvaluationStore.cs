using System.Text.Json;
using Dapper;
using ModelRegistry.Contracts;
using ModelRegistry.Evaluation.Rules;
using ModelRegistry.Platform.Rules;
using ModelRegistry.Platform.Audit;
using ModelRegistry.Platform.Outbox;
using Npgsql;
using ModelRegistry.Platform;

namespace ModelRegistry.Evaluation;

public enum EvaluationOutcome
{
    Recorded,
    Duplicate,
    AlreadyProcessed,
    Rejected,
}

public sealed record EvaluationResult(EvaluationOutcome Outcome, EvaluationRecorded? Recorded, EvaluationRejected? Rejected);

/// <summary>
/// Attaches an evaluation to its version in one transaction with the inbox mark and the outbox
/// event. An evaluation for a version the registry does not know is refused and kept, with its
/// body, in registry.rejections.
/// </summary>
public sealed class EvaluationStore(NpgsqlDataSource dataSource)
{
    public const string Consumer = "evaluation";

    // FOR SHARE OF m: a promotion locks the model's row (FOR UPDATE) before it checks the gates once more at the moment
    // of promotion, so an evaluation is either committed before that check reads the evaluations, or recorded after the
    // promotion (docs/promotion.md, "Which evaluation counts").
    private const string ByNameAndVersion = """
        SELECT v.version_id AS VersionId, m.name AS ModelName, v.version AS Version
        FROM registry.model_versions v JOIN registry.models m USING (model_id)
        WHERE m.name = @ModelName AND v.version = @Version
        FOR SHARE OF m
        """;

    private const string ByDigest = """
        SELECT v.version_id AS VersionId, m.name AS ModelName, v.version AS Version
        FROM registry.model_versions v JOIN registry.models m USING (model_id)
        WHERE v.manifest_digest = @ArtifactDigest ORDER BY v.registered_at LIMIT 2
        FOR SHARE OF m
        """;

    private const string InsertEvaluation = """
        INSERT INTO registry.evaluations (evaluation_id, version_id, suite, dataset_name, dataset_version, dataset_digest,
            bias_assessments, security_findings, max_finding_severity, evaluated_at, recorded_at, message_id)
        VALUES ($1, $2, $3, $4, $5, $6, $7::jsonb, $8::jsonb, $9, $10, $11, $12)
        ON CONFLICT (evaluation_id) DO NOTHING
        RETURNING received_seq
        """;

    private const string InsertMetrics = """
        INSERT INTO registry.evaluation_metrics (evaluation_id, name, value)
        SELECT $1, * FROM unnest($2::text[], $3::float8[])
        """;

    private const string InsertRejection = """
        INSERT INTO registry.rejections (kind, message_id, subject, reason_code, reason, payload)
        VALUES ('evaluation', $1, $2, $3, $4, $5::jsonb)
        """;

    /// <summary>Records <paramref name="e"/> reported by <paramref name="principal"/> (the audit actor).</summary>
    public Task<EvaluationResult> RecordAsync(EvaluationCompleted e, string principal, string maxSeverity, Guid? messageId, DateTimeOffset now,
        CancellationToken cancellationToken) =>
        DatabaseResilience.Pipeline.ExecuteAsync(async token =>
        {
            await using var work = await UnitOfWork.BeginAsync(dataSource, token);
            if (!await work.TryMarkInboxAsync(messageId, Consumer, token))
                return new EvaluationResult(EvaluationOutcome.AlreadyProcessed, null, null);
            var (connection, tx) = (work.Connection, work.Transaction);

            var targets = (e.ArtifactDigest is null
                ? await connection.QueryAsync<Target>(new CommandDefinition(ByNameAndVersion, new { e.ModelName, e.Version }, tx, cancellationToken: token))
                : await connection.QueryAsync<Target>(new CommandDefinition(ByDigest, new { e.ArtifactDigest }, tx, cancellationToken: token))).ToList();
            var refusal = targets.Count switch
            {
                0 => e.ArtifactDigest is null
                    ? $"modelName, version: {e.ModelName} version {e.Version} is not registered"
                    : $"artifactDigest: no registered version has artifact digest {e.ArtifactDigest}",
                > 1 => $"artifactDigest: {e.ArtifactDigest} belongs to several versions ({string.Join(", ", targets.Select(t => $"{t.ModelName} v{t.Version}"))}); name the model and version",
                _ => null,
            };
            if (refusal is not null)
            {
                var rejected = await RejectInTransactionAsync(work, e, principal, RejectionReasons.UnknownModelVersion, refusal, messageId, now, token);
                await work.CommitAsync(now, token);
                return new EvaluationResult(EvaluationOutcome.Rejected, null, rejected);
            }

            var target = targets[0];
            var recorded = new EvaluationRecorded
            {
                EvaluationId = e.EvaluationId,
                ModelName = target.ModelName,
                Version = target.Version,
                ModelVersionId = target.VersionId,
                Suite = e.Suite,
                Metrics = e.Metrics,
                MaxFindingSeverity = maxSeverity,
                RecordedAt = now,
            };
            long receivedSeq;
            await using (var insert = new NpgsqlCommand(InsertEvaluation, connection, tx))
            {
                AddParameters(insert.Parameters, e.EvaluationId, target.VersionId, e.Suite, e.Dataset?.Name, e.Dataset?.Version, e.Dataset?.Digest,
                    JsonSerializer.Serialize(e.BiasAssessments, OutboxMessageTypes.Json),
                    JsonSerializer.Serialize(e.SecurityFindings, OutboxMessageTypes.Json),
                    maxSeverity, e.EvaluatedAt.ToUniversalTime(), now.ToUniversalTime(), messageId);
                if (await insert.ExecuteScalarAsync(token) is not long seq)
                {
                    await work.CommitAsync(now, token);
                    return new EvaluationResult(EvaluationOutcome.Duplicate, recorded, null);
                }
                receivedSeq = seq;
            }
            await using (var metrics = new NpgsqlCommand(InsertMetrics, connection, tx))
            {
                AddParameters(metrics.Parameters, e.EvaluationId, e.Metrics.Keys.ToArray(), e.Metrics.Values.ToArray());
                await metrics.ExecuteNonQueryAsync(token);
            }
            work.Publish(recorded);
            work.Audit(new AuditAppend(principal, "evaluation.recorded", "evaluation", e.EvaluationId.ToString(),
                target.ModelName, new
                {
                    modelVersion = $"{target.ModelName}/{target.Version}",
                    modelVersionId = target.VersionId,
                    suite = e.Suite,
                    dataset = e.Dataset is { } d ? $"{d.Name}@{d.Version}" : null,
                    datasetDigest = e.Dataset?.Digest,
                    metrics = e.Metrics,
                    maxFindingSeverity = maxSeverity,
                    securityFindings = e.SecurityFindings.Count,
                    findingCounts = EvaluationRules.FindingCounts(e.SecurityFindings),
                    findings = EvaluationRules.WorstFindings(e.SecurityFindings, MaxAuditedFindings),
                    biasAssessments = e.BiasAssessments.Take(MaxAuditedBiasAssessments)
                        .Select(b => new { attribute = b.Attribute, metric = b.Metric, value = b.Value }),
                    biasAssessmentsLeftOut = Math.Max(0, e.BiasAssessments.Count - MaxAuditedBiasAssessments),
                    evaluatedAt = e.EvaluatedAt,
                    receivedSeq,
                    messageId,
                }));
            await work.CommitAsync(now, token);
            return new EvaluationResult(EvaluationOutcome.Recorded, recorded, null);
        }, cancellationToken).AsTask();

    /// <summary>
    /// Records a refusal found before the database was consulted (who sent it, validation); the audit actor is
    /// <paramref name="principal"/>, or this worker when the message has none.
    /// </summary>
    public Task<EvaluationResult> RejectAsync(EvaluationCompleted e, string? principal, string reasonCode, string reason, Guid? messageId,
        DateTimeOffset now, CancellationToken cancellationToken) =>
        DatabaseResilience.Pipeline.ExecuteAsync(async token =>
        {
            await using var work = await UnitOfWork.BeginAsync(dataSource, token);
            if (!await work.TryMarkInboxAsync(messageId, Consumer, token))
                return new EvaluationResult(EvaluationOutcome.AlreadyProcessed, null, null);
            var rejected = await RejectInTransactionAsync(work, e, principal, reasonCode, reason, messageId, now, token);
            await work.CommitAsync(now, token);
            return new EvaluationResult(EvaluationOutcome.Rejected, null, rejected);
        }, cancellationToken).AsTask();

    private static async Task<EvaluationRejected> RejectInTransactionAsync(UnitOfWork work, EvaluationCompleted e, string? principal, string reasonCode, string reason, Guid? messageId, DateTimeOffset now, CancellationToken token)
    {
        // Refused input is kept storable (no NUL, no unpaired surrogate): the event and the row must be written.
        var rejected = new EvaluationRejected { EvaluationId = e.EvaluationId, ReasonCode = reasonCode, Message = Bounded.Storable(reason), RejectedAt = now };
        var subject = Bounded.Clip(e.ArtifactDigest ?? $"{e.ModelName} v{e.Version}", 200);
        await using (var insert = new NpgsqlCommand(InsertRejection, work.Connection, work.Transaction))
        {
            AddParameters(insert.Parameters, messageId, subject, reasonCode, reason, AuditText.RefusedPayload(e));
            await insert.ExecuteNonQueryAsync(token);
        }
        work.Publish(rejected);
        work.Audit(new AuditAppend(principal ?? AuditActor, "evaluation.rejected", "evaluation", e.EvaluationId.ToString(),
            AuditText.ModelName(e.ModelName), new
            {
                reasonCode,
                reason = AuditText.Storable(reason),
                modelName = AuditText.Storable(e.ModelName),
                version = e.Version,
                artifactDigest = AuditText.Storable(e.ArtifactDigest),
                suite = AuditText.Storable(e.Suite),
                messageId,
            }));
        return rejected;
    }

    /// <summary>The audit actor of a refusal whose message names no principal: this worker recorded it, nobody vouched for its sender.</summary>
    public const string AuditActor = "svc:evaluation";

    /// <summary>The audit record keeps this many bias measurements (and says how many it left out); the table keeps them all.</summary>
    public const int MaxAuditedBiasAssessments = 50;

    /// <summary>The audit record names this many findings, worst first, and counts them all by severity.</summary>
    public const int MaxAuditedFindings = 20;

    private static void AddParameters(NpgsqlParameterCollection parameters, params object?[] values)
    {
        foreach (var value in values) parameters.Add(new NpgsqlParameter { Value = value ?? DBNull.Value });
    }

    private sealed record Target(Guid VersionId, string ModelName, int Version);
}
