-- Owner: retention (registry.housekeeping_runs; and, for its pruning of the platform's tables, rejections.body_cut_at and
-- the indexes that find old inbox, rejection and dead-letter rows). docs/retention.md, "Housekeeping".

-- A refused body past Retention:RejectionBodyRetention is cut: its payload becomes its SHA-256 and size (kind, subject,
-- reason code and reason stay), and this says when. Null: the body is whole.
ALTER TABLE registry.rejections ADD COLUMN body_cut_at timestamptz;
CREATE INDEX rejections_uncut ON registry.rejections (rejected_at) WHERE body_cut_at IS NULL;

-- The inbox is pruned oldest first in batches: without this each batch would scan the whole table. A timestamp that
-- only grows is appended at the right edge of the index, the cheapest insert a b-tree has.
CREATE INDEX inbox_processed_at ON registry.inbox (processed_at);
CREATE INDEX outbox_dead_failed_at ON registry.outbox_dead (failed_at);

-- One row per sweep's housekeeping: the cut-off instants fixed when it first ran (a redelivery prunes up to the same
-- ones), and what it has done so far; each batch adds its count in the transaction that deletes, so the counts stay
-- exact however often the work is interrupted and resumed. finished_at: the audit record was written.
CREATE TABLE registry.housekeeping_runs (
    sweep_id              uuid        PRIMARY KEY,
    started_at            timestamptz NOT NULL,
    inbox_before          timestamptz NOT NULL,
    rejections_before     timestamptz NOT NULL,
    outbox_dead_before    timestamptz NOT NULL,
    inbox_deleted         bigint      NOT NULL DEFAULT 0,
    rejections_cut        bigint      NOT NULL DEFAULT 0,
    outbox_dead_deleted   bigint      NOT NULL DEFAULT 0,
    finished_at           timestamptz
);
REVOKE DELETE, TRUNCATE ON registry.housekeeping_runs FROM "$app_role$";
