namespace ModelRegistry.Retention;

/// <summary>The statements of <see cref="Housekeeping"/> (migration 0020).</summary>
internal static class HousekeepingSql
{
    /// <summary>The run's row, made on first handling with the cut-offs of that moment; a redelivery keeps them.</summary>
    public const string Start = """
        INSERT INTO registry.housekeeping_runs (sweep_id, started_at, inbox_before, rejections_before, outbox_dead_before)
        VALUES (@SweepId, @Now, @InboxBefore, @RejectionsBefore, @OutboxDeadBefore)
        ON CONFLICT (sweep_id) DO NOTHING
        """;

    public const string Load = """
        SELECT sweep_id AS SweepId, started_at AS StartedAt, inbox_before AS InboxBefore, rejections_before AS RejectionsBefore,
               outbox_dead_before AS OutboxDeadBefore, inbox_deleted AS InboxDeleted, rejections_cut AS RejectionsCut,
               outbox_dead_deleted AS OutboxDeadDeleted, finished_at AS FinishedAt
        FROM registry.housekeeping_runs WHERE sweep_id = @SweepId
        """;

    // Each batch: the oldest rows first (through the index on the age column), deleted or cut, and their count added to
    // the run's row in the same statement, so a committed batch is always counted and an uncommitted one never is.
    public const string DeleteInboxBatch = """
        WITH doomed AS (
            SELECT message_id, consumer FROM registry.inbox WHERE processed_at < @Before ORDER BY processed_at LIMIT @Batch),
        gone AS (
            DELETE FROM registry.inbox i USING doomed d WHERE i.message_id = d.message_id AND i.consumer = d.consumer RETURNING 1)
        UPDATE registry.housekeeping_runs SET inbox_deleted = inbox_deleted + (SELECT count(*) FROM gone)
        WHERE sweep_id = @SweepId
        RETURNING (SELECT count(*) FROM gone)
        """;

    public const string DeleteOutboxDeadBatch = """
        WITH doomed AS (
            SELECT sequence FROM registry.outbox_dead WHERE failed_at < @Before ORDER BY failed_at LIMIT @Batch),
        gone AS (
            DELETE FROM registry.outbox_dead o USING doomed d WHERE o.sequence = d.sequence RETURNING 1)
        UPDATE registry.housekeeping_runs SET outbox_dead_deleted = outbox_dead_deleted + (SELECT count(*) FROM gone)
        WHERE sweep_id = @SweepId
        RETURNING (SELECT count(*) FROM gone)
        """;

    // A body refused for its size was kept as its head with the whole body's SHA-256 and size: only the head goes. Any
    // other kept body becomes the SHA-256 and size (in bytes, UTF-8) of the JSON text the registry kept.
    public const string CutRejectionsBatch = """
        WITH doomed AS (
            SELECT rejection_id FROM registry.rejections WHERE body_cut_at IS NULL AND rejected_at < @Before
            ORDER BY rejected_at LIMIT @Batch),
        cut AS (
            UPDATE registry.rejections r SET body_cut_at = @Now,
                payload = CASE WHEN r.reason_code = 'body_too_large' AND jsonb_typeof(r.payload) = 'object'
                    THEN (r.payload - 'head') || jsonb_build_object('cut', true, 'of', 'body')
                    ELSE jsonb_build_object('cut', true, 'of', 'payload',
                        'sha256', encode(sha256(convert_to(r.payload::text, 'UTF8')), 'hex'),
                        'size', octet_length(convert_to(r.payload::text, 'UTF8'))) END
            FROM doomed d WHERE r.rejection_id = d.rejection_id RETURNING 1)
        UPDATE registry.housekeeping_runs SET rejections_cut = rejections_cut + (SELECT count(*) FROM cut)
        WHERE sweep_id = @SweepId
        RETURNING (SELECT count(*) FROM cut)
        """;

    public const string Finish = """
        UPDATE registry.housekeeping_runs SET finished_at = @Now WHERE sweep_id = @SweepId
        """;
}
