namespace ModelRegistry.Retention;

/// <summary>The SQL of the archive and delete actions (tables of migration 0019).</summary>
internal static class RetentionActionSql
{
    // The sweep records each action (planned) in the transaction that publishes its message: a message naming no
    // recorded action, or another version or kind, is refused.
    public const string Action = """
        SELECT action_id AS ActionId, sweep_id AS SweepId, version_id AS VersionId, action AS Action, rule AS Rule, status AS Status
        FROM registry.retention_actions WHERE action_id = @ActionId FOR UPDATE
        """;

    // FOR SHARE: a hold placement, a promotion, a rollback or a registration locks its model's row FOR UPDATE, so it
    // commits before the re-check reads the facts, or waits until the action has committed.
    public const string LockModels = """
        SELECT name FROM registry.models WHERE name = ANY(@Names) ORDER BY model_id FOR SHARE
        """;

    // Two actions sharing an object take its lock in SHA-256 order (no deadlock): bytes moved or freed are counted once.
    public const string LockObjects = """
        SELECT pg_advisory_xact_lock(hashtextextended('mreg.retention:' || sha, 0)) FROM unnest(@Shas::text[]) WITH ORDINALITY AS o(sha, n) ORDER BY n
        """;

    public const string InboxMarked = """
        SELECT EXISTS (SELECT 1 FROM registry.inbox WHERE message_id = @ActionId AND consumer = @Consumer)
        """;

    // Objects of the version that no other version archived (or deleted) first: the bytes this action moves.
    public const string BytesToMove = """
        SELECT coalesce(sum(size), 0)::bigint FROM (
            SELECT DISTINCT ON (f.sha256) f.sha256, f.size FROM registry.artifact_files f
            WHERE f.version_id = @VersionId AND NOT EXISTS (
                SELECT 1 FROM registry.artifact_files g JOIN registry.version_retention r ON r.version_id = g.version_id
                WHERE g.sha256 = f.sha256 AND g.version_id <> f.version_id)) o
        """;

    public const string InsertArchived = """
        INSERT INTO registry.version_retention (version_id, state, archived_at, archive_rule, archive_sweep)
        VALUES (@VersionId, 'archived', @At, @Rule, @SweepId)
        """;

    public const string MarkDone = """
        UPDATE registry.retention_actions SET status = 'done', done_at = @At WHERE action_id = @ActionId AND status = 'planned'
        """;

    public const string MarkSkipped = """
        UPDATE registry.retention_actions SET status = 'skipped', kept_by = @KeptBy, done_at = @At WHERE action_id = @ActionId AND status = 'planned'
        """;

    // Phase 1 of a delete: the decision, recorded for every version whose objects go (each with its own rule).
    public const string MarkDeleting = """
        UPDATE registry.version_retention r SET state = 'deleting', delete_rule = x.rule, delete_sweep = @SweepId
        FROM unnest(@Ids::uuid[], @Rules::text[]) AS x(version_id, rule)
        WHERE r.version_id = x.version_id AND r.state = 'archived'
        """;

    // Phase 3: the versions still to finish, locked (a concurrent finisher of the same set waits, then finds none).
    public const string LockDeleting = """
        SELECT version_id FROM registry.version_retention WHERE version_id = ANY(@Ids) AND state = 'deleting' ORDER BY version_id FOR UPDATE
        """;

    public const string StateOf = "SELECT state FROM registry.version_retention WHERE version_id = @VersionId";

    // Objects of the finished versions that no earlier deletion tombstoned: the bytes this action frees.
    public const string BytesToFree = """
        SELECT coalesce(sum(size), 0)::bigint FROM (
            SELECT DISTINCT ON (f.sha256) f.sha256, f.size FROM registry.artifact_files f
            WHERE f.version_id = ANY(@Ids) AND NOT EXISTS (SELECT 1 FROM registry.artifact_tombstones t WHERE t.sha256 = f.sha256)) o
        """;

    public const string InsertTombstones = """
        INSERT INTO registry.artifact_tombstones (version_id, path, sha256, size, deleted_at, rule, sweep_id, reason)
        SELECT f.version_id, f.path, f.sha256, f.size, @At, r.delete_rule, r.delete_sweep,
               format('retention rule %s: archived %s by sweep %s, its deleteAfterDays passed and no keep rule held; deleted by sweep %s (action %s)',
                      r.delete_rule, to_char(r.archived_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'), r.archive_sweep, r.delete_sweep, @ActionId::text)
        FROM registry.artifact_files f JOIN registry.version_retention r ON r.version_id = f.version_id
        WHERE f.version_id = ANY(@Ids)
        ON CONFLICT DO NOTHING
        """;

    public const string MarkDeleted = """
        UPDATE registry.version_retention SET state = 'deleted', deleted_at = @At WHERE version_id = ANY(@Ids) AND state = 'deleting'
        """;
}

/// <summary>A retention_actions row.</summary>
internal sealed record RetentionActionRow(Guid ActionId, Guid SweepId, Guid VersionId, string Action, string Rule, string Status);
