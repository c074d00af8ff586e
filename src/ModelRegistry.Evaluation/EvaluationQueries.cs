using System.Text.Json;
using Dapper;
using ModelRegistry.Contracts;
using ModelRegistry.Platform.Outbox;
using Npgsql;

namespace ModelRegistry.Evaluation;

/// <summary>
/// One evaluation attached to a version, with its metrics, bias measurements and security findings (as reported).
/// <paramref name="EvaluatedAt"/> is the publisher's claim; <paramref name="RecordedAt"/> when the registry recorded it;
/// <paramref name="LatestOfSuite"/> whether it is the latest its suite received, the one the promotion gates read.
/// </summary>
public sealed record AttachedEvaluation(Guid EvaluationId, string Suite, string? DatasetName, string? DatasetVersion, string? DatasetDigest,
    DateTime EvaluatedAt, DateTime RecordedAt, string MaxFindingSeverity, IReadOnlyDictionary<string, double> Metrics,
    IReadOnlyList<BiasAssessment> BiasAssessments, IReadOnlyList<SecurityFinding> SecurityFindings, bool LatestOfSuite);

/// <summary>The read side of the evaluation module's tables (<c>mreg versions show</c>).</summary>
public static class EvaluationQueries
{
    private const string ForVersionSql = """
        SELECT evaluation_id AS EvaluationId, suite AS Suite, dataset_name AS DatasetName, dataset_version AS DatasetVersion,
               dataset_digest AS DatasetDigest, evaluated_at AS EvaluatedAt, recorded_at AS RecordedAt,
               max_finding_severity AS MaxFindingSeverity, bias_assessments::text AS BiasJson, security_findings::text AS FindingsJson,
               received_seq = max(received_seq) OVER (PARTITION BY suite) AS LatestOfSuite
        FROM registry.evaluations WHERE version_id = @VersionId ORDER BY received_seq;

        SELECT em.evaluation_id AS EvaluationId, em.name AS Name, em.value AS Value
        FROM registry.evaluation_metrics em JOIN registry.evaluations e USING (evaluation_id)
        WHERE e.version_id = @VersionId ORDER BY em.name;
        """;

    /// <summary>
    /// The version's evaluations in the order the registry received them (never by the publisher's evaluatedAt), each with
    /// its metrics by name, and which is the latest of its suite.
    /// </summary>
    public static async Task<IReadOnlyList<AttachedEvaluation>> ForVersionAsync(NpgsqlConnection connection, Guid versionId, CancellationToken ct)
    {
        await using var results = await connection.QueryMultipleAsync(new CommandDefinition(ForVersionSql, new { VersionId = versionId }, cancellationToken: ct));
        var rows = (await results.ReadAsync<EvaluationRow>()).ToList();
        var metrics = (await results.ReadAsync<MetricRow>()).ToLookup(m => m.EvaluationId);
        return rows.Select(e => new AttachedEvaluation(e.EvaluationId, e.Suite, e.DatasetName, e.DatasetVersion, e.DatasetDigest, e.EvaluatedAt,
            e.RecordedAt, e.MaxFindingSeverity, metrics[e.EvaluationId].ToDictionary(m => m.Name, m => m.Value),
            JsonSerializer.Deserialize<List<BiasAssessment>>(e.BiasJson, OutboxMessageTypes.Json) ?? [],
            JsonSerializer.Deserialize<List<SecurityFinding>>(e.FindingsJson, OutboxMessageTypes.Json) ?? [], e.LatestOfSuite)).ToList();
    }

    private sealed record EvaluationRow(Guid EvaluationId, string Suite, string? DatasetName, string? DatasetVersion, string? DatasetDigest,
        DateTime EvaluatedAt, DateTime RecordedAt, string MaxFindingSeverity, string BiasJson, string FindingsJson, bool LatestOfSuite);

    private sealed record MetricRow(Guid EvaluationId, string Name, double Value);
}
