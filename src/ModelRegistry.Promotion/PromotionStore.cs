using System.Text.Json;
using Dapper;
using ModelRegistry.Promotion.Rules;
using ModelRegistry.Platform.Outbox;
using Npgsql;
using ModelRegistry.Platform;
using ModelRegistry.Platform.Rules;

namespace ModelRegistry.Promotion;

/// <summary>The SQL of promotions, stages and rollbacks (migration 0005), inside a <see cref="UnitOfWork"/>.</summary>
public static class PromotionStore
{
    private const string Columns = """
        promotion_id AS CorrelationId, saga_version AS Version, state AS CurrentState, model_name AS ModelName,
        version AS ModelVersion, target_stage AS TargetStage, model_version_id AS ModelVersionId, from_stage AS FromStage,
        risk_tier AS RiskTier, requested_by AS RequestedBy, claimed_by AS ClaimedBy, reason AS Reason, change_ticket AS ChangeTicket,
        requested_at AS RequestedAt, evaluation_deadline AS EvaluationDeadline, approval_deadline AS ApprovalDeadline,
        votes::text AS VotesJson, outcome_code AS OutcomeCode, outcome_message AS OutcomeMessage, finished_at AS FinishedAt,
        updated_at AS UpdatedAt, approval_nonce AS ApprovalNonce, approval_requested_at AS ApprovalRequestedAt
        """;

    public static async Task<PromotionState?> LoadAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, Guid promotionId,
        CancellationToken ct)
    {
        var row = await connection.QuerySingleOrDefaultAsync<PromotionRow>(new CommandDefinition(
            $"SELECT {Columns} FROM registry.promotions WHERE promotion_id = @promotionId", new { promotionId }, transaction,
            cancellationToken: ct));
        return row?.ToState();
    }

    public static async Task InsertAsync(UnitOfWork work, PromotionState state, DateTimeOffset now, CancellationToken ct)
    {
        state.Version = 1;
        state.UpdatedAt = now;
        await work.Connection.ExecuteAsync(new CommandDefinition("""
            INSERT INTO registry.promotions (promotion_id, saga_version, state, model_name, version, target_stage, model_version_id,
                from_stage, risk_tier, requested_by, claimed_by, reason, change_ticket, requested_at, evaluation_deadline, approval_deadline,
                votes, outcome_code, outcome_message, finished_at, updated_at, approval_nonce, approval_requested_at)
            VALUES (@CorrelationId, @Version, @CurrentState, @ModelName, @ModelVersion, @TargetStage, @ModelVersionId,
                @FromStage, @RiskTier, @RequestedBy, @ClaimedBy, @Reason, @ChangeTicket, @RequestedAt, @EvaluationDeadline, @ApprovalDeadline,
                @VotesJson::jsonb, @OutcomeCode, @OutcomeMessage, @FinishedAt, @UpdatedAt, @ApprovalNonce, @ApprovalRequestedAt)
            """, PromotionRow.From(state), work.Transaction, cancellationToken: ct));
    }

    /// <summary>Writes <paramref name="state"/> if nobody changed it since it was read at <c>state.Version</c>; false if someone did.</summary>
    public static async Task<bool> TryUpdateAsync(UnitOfWork work, PromotionState state, DateTimeOffset now, CancellationToken ct)
    {
        state.UpdatedAt = now;
        var rows = await work.Connection.ExecuteAsync(new CommandDefinition("""
            UPDATE registry.promotions SET saga_version = saga_version + 1, state = @CurrentState, model_version_id = @ModelVersionId,
                from_stage = @FromStage, risk_tier = @RiskTier, evaluation_deadline = @EvaluationDeadline,
                approval_deadline = @ApprovalDeadline, votes = @VotesJson::jsonb, outcome_code = @OutcomeCode,
                outcome_message = @OutcomeMessage, finished_at = @FinishedAt, updated_at = @UpdatedAt, approval_nonce = @ApprovalNonce,
                approval_requested_at = @ApprovalRequestedAt
            WHERE promotion_id = @CorrelationId AND saga_version = @Version
            """, PromotionRow.From(state), work.Transaction, cancellationToken: ct));
        if (rows == 1) state.Version++;
        return rows == 1;
    }

    public static Task<VersionFacts?> FindVersionAsync(UnitOfWork work, string modelName, int version, CancellationToken ct) =>
        FindVersionAsync(work.Connection, work.Transaction, modelName, version, ct);

    public static async Task<VersionFacts?> FindVersionAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, string modelName,
        int version, CancellationToken ct)
    {
        var row = await connection.QuerySingleOrDefaultAsync<VersionRow>(new CommandDefinition("""
            SELECT v.version_id AS VersionId, v.model_id AS ModelId, m.name AS ModelName, v.version AS Version, v.risk_tier AS RiskTier,
                   v.manifest_digest AS ManifestDigest, coalesce(s.stage, 'registered') AS Stage,
                   l.training_run_id AS TrainingRunId, l.code_repository AS CodeRepository, l.code_commit AS CodeCommit,
                   (SELECT string_agg(d.name || '@' || d.version || ' (' || d.digest || ')', E'\n' ORDER BY d.name)
                      FROM registry.lineage_datasets d WHERE d.version_id = v.version_id) AS Datasets,
                   CASE WHEN l.base_model_name IS NULL THEN NULL ELSE l.base_model_name || '/' || l.base_model_version END AS BaseModel,
                   m.risk_tier AS ModelRiskTier
            FROM registry.models m
            JOIN registry.model_versions v ON v.model_id = m.model_id
            LEFT JOIN registry.lineage l ON l.version_id = v.version_id
            LEFT JOIN registry.version_stages s ON s.version_id = v.version_id
            WHERE m.name = @modelName AND v.version = @version
            """, new { modelName, version }, transaction, cancellationToken: ct));
        return row is null
            ? null
            : new VersionFacts(row.VersionId, row.ModelId, row.ModelName, row.Version, row.RiskTier, row.ManifestDigest, row.Stage,
                row.TrainingRunId ?? "", row.CodeRepository ?? "", row.CodeCommit ?? "",
                row.Datasets?.Split('\n') ?? [], row.BaseModel) { ModelRiskTier = row.ModelRiskTier };
    }

    /// <summary>Every evaluation of a version, as the gates read them, in the order the registry received them.</summary>
    public static async Task<IReadOnlyList<EvaluationSummary>> EvaluationsAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction,
        Guid versionId, CancellationToken ct)
    {
        var rows = await connection.QueryAsync<EvaluationRow>(new CommandDefinition("""
            SELECT e.suite AS Suite, e.evaluated_at AS EvaluatedAt, e.received_seq AS Received, e.max_finding_severity AS MaxFindingSeverity,
                   e.bias_assessments::text AS BiasJson, e.security_findings::text AS FindingsJson,
                   coalesce((SELECT jsonb_object_agg(m.name, m.value) FROM registry.evaluation_metrics m
                             WHERE m.evaluation_id = e.evaluation_id), '{}')::text AS MetricsJson
            FROM registry.evaluations e WHERE e.version_id = @versionId
            ORDER BY e.received_seq
            """, new { versionId }, transaction, cancellationToken: ct));
        return rows.Select(r =>
            {
                var bias = JsonSerializer.Deserialize<List<Contracts.BiasAssessment>>(r.BiasJson, OutboxMessageTypes.Json) ?? [];
                return new EvaluationSummary(
                    r.Suite,
                    JsonSerializer.Deserialize<Dictionary<string, double>>(r.MetricsJson, OutboxMessageTypes.Json) ?? [],
                    bias.Select(b => (b.Metric, b.Value)).ToList(),
                    r.MaxFindingSeverity,
                    r.EvaluatedAt)
                {
                    Received = r.Received,
                    BiasAssessments = bias,
                    Findings = JsonSerializer.Deserialize<List<Contracts.SecurityFinding>>(r.FindingsJson, OutboxMessageTypes.Json) ?? [],
                };
            })
            .ToList();
    }

    /// <summary>Locks the model's row: stage changes of one model are serialized.</summary>
    public static Task LockModelAsync(UnitOfWork work, Guid modelId, CancellationToken ct) =>
        work.Connection.ExecuteAsync(new CommandDefinition("SELECT 1 FROM registry.models WHERE model_id = @modelId FOR UPDATE",
            new { modelId }, work.Transaction, cancellationToken: ct));

    /// <summary>The versions of a model that have left 'registered', plus <paramref name="alsoVersion"/> in any stage.</summary>
    public static async Task<IReadOnlyList<StoredStage>> StagesAsync(UnitOfWork work, Guid modelId, int? alsoVersion,
        CancellationToken ct)
    {
        var rows = await work.Connection.QueryAsync<StoredStage>(new CommandDefinition("""
            SELECT v.version_id AS VersionId, v.version AS Version, coalesce(s.stage, 'registered') AS Stage
            FROM registry.model_versions v LEFT JOIN registry.version_stages s ON s.version_id = v.version_id
            WHERE v.model_id = @modelId AND (s.version_id IS NOT NULL OR v.version = @alsoVersion)
            ORDER BY v.version
            """, new { modelId, alsoVersion }, work.Transaction, cancellationToken: ct));
        return rows.ToList();
    }

    // The model's next stage-change number. The caller holds the model's row lock (LockModelAsync) from before it queues
    // any event: a model's events then enter the outbox in the order their transactions commit.
    private const string NextStageSequence = """
        UPDATE registry.models SET stage_sequence = stage_sequence + 1 WHERE model_id = $1 RETURNING stage_sequence
        """;

    /// <summary>
    /// Writes stage changes (current stage and history), retirements first (production is unique per model), and returns the
    /// model's stage-change number they take (<see cref="Contracts.Promotion.DeployModelVersion.StageSequence"/>). The caller
    /// holds the model's lock.
    /// </summary>
    public static async Task<long> ApplyStageChangesAsync(UnitOfWork work, Guid modelId, IReadOnlyList<StoredStage> stages,
        IReadOnlyList<StageChange> changes, string cause, Guid causeId, string actor, DateTimeOffset at, CancellationToken ct)
    {
        var ids = stages.ToDictionary(s => s.Version, s => s.VersionId);
        await using var batch = new NpgsqlBatch(work.Connection, work.Transaction);
        batch.BatchCommands.Add(new NpgsqlBatchCommand(NextStageSequence) { Parameters = { new() { Value = modelId } } });
        foreach (var change in changes.OrderBy(c => c.To == Stage.Retired ? 0 : 1))
        {
            var versionId = ids[change.Version];
            batch.BatchCommands.Add(new NpgsqlBatchCommand("""
                INSERT INTO registry.version_stages (version_id, model_id, version, stage, since, cause, cause_id)
                VALUES ($1, $2, $3, $4, $5, $6, $7)
                ON CONFLICT (version_id) DO UPDATE SET stage = EXCLUDED.stage, since = EXCLUDED.since, cause = EXCLUDED.cause,
                    cause_id = EXCLUDED.cause_id
                """)
            {
                Parameters =
                {
                    new() { Value = versionId }, new() { Value = modelId }, new() { Value = change.Version },
                    new() { Value = StageNames.Format(change.To) }, new() { Value = at }, new() { Value = cause }, new() { Value = causeId },
                },
            });
            batch.BatchCommands.Add(new NpgsqlBatchCommand("""
                INSERT INTO registry.stage_changes (model_id, version_id, version, from_stage, to_stage, changed_at, cause, cause_id, actor)
                VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
                """)
            {
                Parameters =
                {
                    new() { Value = modelId }, new() { Value = versionId }, new() { Value = change.Version },
                    new() { Value = StageNames.Format(change.From) }, new() { Value = StageNames.Format(change.To) }, new() { Value = at },
                    new() { Value = cause }, new() { Value = causeId }, new() { Value = actor },
                },
            });
        }
        return await batch.ExecuteScalarAsync(ct) is long sequence
            ? sequence
            : throw new InvalidOperationException($"model {modelId} is gone: no stage sequence to take");
    }

    /// <summary>The earlier refusal of this signed decision of this promotion, or null when there was none (migration 0016).</summary>
    public static async Task<RefusedDecision?> RefusedBeforeAsync(UnitOfWork work, Guid promotionId, string signature, CancellationToken ct)
    {
        var row = await work.Connection.QuerySingleOrDefaultAsync<RefusedRow>(new CommandDefinition("""
            SELECT reason_code AS ReasonCode, refused_at AS RefusedAt FROM registry.refused_approvals
            WHERE promotion_id = @promotionId AND signature = @signature
            """, new { promotionId, signature }, work.Transaction, cancellationToken: ct));
        return row is null ? null : new RefusedDecision(row.ReasonCode, new DateTimeOffset(DateTime.SpecifyKind(row.RefusedAt, DateTimeKind.Utc)));
    }

    /// <summary>Remembers a refused signed decision (the first refusal stands).</summary>
    public static Task RememberRefusalAsync(UnitOfWork work, Guid promotionId, string signature, string reasonCode, DateTimeOffset at,
        CancellationToken ct) =>
        work.Connection.ExecuteAsync(new CommandDefinition("""
            INSERT INTO registry.refused_approvals (promotion_id, signature, reason_code, refused_at)
            VALUES (@promotionId, @signature, @reasonCode, @at)
            ON CONFLICT (promotion_id, signature) DO NOTHING
            """, new { promotionId, signature, reasonCode, at }, work.Transaction, cancellationToken: ct));

    /// <summary>Is another promotion of this version to this stage open?</summary>
    public static Task<bool> OtherOpenPromotionAsync(UnitOfWork work, Guid promotionId, string modelName, int version,
        string targetStage, CancellationToken ct) =>
        work.Connection.ExecuteScalarAsync<bool>(new CommandDefinition("""
            SELECT EXISTS (SELECT 1 FROM registry.promotions WHERE model_name = @modelName AND version = @version
                AND target_stage = @targetStage AND promotion_id <> @promotionId AND state IN ('AwaitingEvaluations', 'AwaitingApproval'))
            """, new { promotionId, modelName, version, targetStage }, work.Transaction, cancellationToken: ct));

    /// <summary>Open promotions of a version that wait for evaluations.</summary>
    public static async Task<IReadOnlyList<Guid>> AwaitingEvaluationsAsync(NpgsqlDataSource dataSource, string modelName, int version,
        CancellationToken ct)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        var ids = await connection.QueryAsync<Guid>(new CommandDefinition("""
            SELECT promotion_id FROM registry.promotions
            WHERE model_name = @modelName AND version = @version AND state = 'AwaitingEvaluations'
            """, new { modelName, version }, cancellationToken: ct));
        return ids.ToList();
    }

    private sealed class PromotionRow
    {
        public Guid CorrelationId { get; set; }
        public int Version { get; set; }
        public string CurrentState { get; set; } = "";
        public string ModelName { get; set; } = "";
        public int ModelVersion { get; set; }
        public string TargetStage { get; set; } = "";
        public Guid? ModelVersionId { get; set; }
        public string? FromStage { get; set; }
        public string? RiskTier { get; set; }
        public string RequestedBy { get; set; } = "";
        public string? ClaimedBy { get; set; }
        public string Reason { get; set; } = "";
        public string? ChangeTicket { get; set; }
        public DateTime RequestedAt { get; set; }
        public DateTime? EvaluationDeadline { get; set; }
        public DateTime? ApprovalDeadline { get; set; }
        public string VotesJson { get; set; } = "[]";
        public string? OutcomeCode { get; set; }
        public string? OutcomeMessage { get; set; }
        public DateTime? FinishedAt { get; set; }
        public DateTime UpdatedAt { get; set; }
        public string? ApprovalNonce { get; set; }
        public DateTime? ApprovalRequestedAt { get; set; }

        public static PromotionRow From(PromotionState s) => new()
        {
            CorrelationId = s.CorrelationId, Version = s.Version, CurrentState = s.CurrentState, ModelName = s.ModelName,
            ModelVersion = s.ModelVersion, TargetStage = s.TargetStage, ModelVersionId = s.ModelVersionId, FromStage = s.FromStage,
            RiskTier = s.RiskTier, RequestedBy = s.RequestedBy, ClaimedBy = s.ClaimedBy, Reason = s.Reason, ChangeTicket = s.ChangeTicket,
            RequestedAt = s.RequestedAt.UtcDateTime, EvaluationDeadline = s.EvaluationDeadline?.UtcDateTime,
            ApprovalDeadline = s.ApprovalDeadline?.UtcDateTime, VotesJson = JsonSerializer.Serialize(s.Votes, OutboxMessageTypes.Json),
            OutcomeCode = s.OutcomeCode, OutcomeMessage = s.OutcomeMessage, FinishedAt = s.FinishedAt?.UtcDateTime,
            UpdatedAt = s.UpdatedAt.UtcDateTime, ApprovalNonce = s.ApprovalNonce, ApprovalRequestedAt = s.ApprovalRequestedAt?.UtcDateTime,
        };

        public PromotionState ToState() => new()
        {
            CorrelationId = CorrelationId, Version = Version, CurrentState = CurrentState, ModelName = ModelName, ModelVersion = ModelVersion,
            TargetStage = TargetStage, ModelVersionId = ModelVersionId, FromStage = FromStage, RiskTier = RiskTier, RequestedBy = RequestedBy,
            ClaimedBy = ClaimedBy, Reason = Reason, ChangeTicket = ChangeTicket, RequestedAt = Utc(RequestedAt), EvaluationDeadline = Utc(EvaluationDeadline),
            ApprovalDeadline = Utc(ApprovalDeadline),
            Votes = JsonSerializer.Deserialize<List<PromotionVote>>(VotesJson, OutboxMessageTypes.Json) ?? [],
            OutcomeCode = OutcomeCode, OutcomeMessage = OutcomeMessage, FinishedAt = Utc(FinishedAt), UpdatedAt = Utc(UpdatedAt),
            ApprovalNonce = ApprovalNonce, ApprovalRequestedAt = Utc(ApprovalRequestedAt),
        };

        private static DateTimeOffset Utc(DateTime value) => new(DateTime.SpecifyKind(value, DateTimeKind.Utc));
        private static DateTimeOffset? Utc(DateTime? value) => value is { } v ? Utc(v) : null;
    }

    private sealed record VersionRow(Guid VersionId, Guid ModelId, string ModelName, int Version, string RiskTier, string ManifestDigest,
        string Stage, string? TrainingRunId, string? CodeRepository, string? CodeCommit, string? Datasets, string? BaseModel, string? ModelRiskTier);

    private sealed record RefusedRow(string ReasonCode, DateTime RefusedAt);

    private sealed record EvaluationRow(string Suite, DateTime EvaluatedAt, long Received, string MaxFindingSeverity, string BiasJson, string FindingsJson,
        string MetricsJson);
}
