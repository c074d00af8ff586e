-- Owner: retention (legal holds, each version's retention state, tombstones of deleted artifact files, sweeps and their
-- actions). docs/retention.md. Metadata, digests, lineage, evaluations and audit records are never deleted: retention
-- only moves and deletes artifact bytes, and records here that it did.

-- Legal holds: a model (version_id null: every version, present and future) or one version is kept whatever the
-- policy says while the hold is open. Placed and released by authenticated principals; rows are never deleted.
CREATE TABLE registry.legal_holds (
    hold_id         uuid        PRIMARY KEY,          -- the PlaceLegalHold request id
    model_id        uuid        NOT NULL REFERENCES registry.models,
    version_id      uuid        REFERENCES registry.model_versions,
    reason          text        NOT NULL,
    placed_by       text        NOT NULL,
    placed_at       timestamptz NOT NULL,
    released_by     text,
    released_at     timestamptz,
    release_reason  text,
    CHECK ((released_at IS NULL) = (released_by IS NULL))
);
CREATE INDEX legal_holds_open ON registry.legal_holds (model_id) WHERE released_at IS NULL;
REVOKE DELETE, TRUNCATE ON registry.legal_holds FROM "$app_role$";

-- A version's retention state; no row: its bytes are in the primary store. 'archived': in the archive tier;
-- 'deleting': a delete action decided and is removing the bytes (a crash resumes it); 'deleted': gone, tombstones below.
CREATE TABLE registry.version_retention (
    version_id      uuid        PRIMARY KEY REFERENCES registry.model_versions,
    state           text        NOT NULL CHECK (state IN ('archived', 'deleting', 'deleted')),
    archived_at     timestamptz NOT NULL,
    archive_rule    text        NOT NULL,
    archive_sweep   uuid        NOT NULL,
    deleted_at      timestamptz,
    delete_rule     text,
    delete_sweep    uuid
);
CREATE INDEX version_retention_state ON registry.version_retention (state);
REVOKE DELETE, TRUNCATE ON registry.version_retention FROM "$app_role$";

-- One row per artifact file whose bytes retention deleted: when, why and by which rule. Never changed or deleted.
CREATE TABLE registry.artifact_tombstones (
    version_id  uuid        NOT NULL REFERENCES registry.model_versions,
    path        text        NOT NULL,
    sha256      text        NOT NULL,
    size        bigint      NOT NULL,
    deleted_at  timestamptz NOT NULL,
    rule        text        NOT NULL,
    sweep_id    uuid        NOT NULL,
    reason      text        NOT NULL,
    PRIMARY KEY (version_id, path)
);
REVOKE UPDATE, DELETE, TRUNCATE ON registry.artifact_tombstones FROM "$app_role$";
CREATE TRIGGER artifact_tombstones_immutable BEFORE UPDATE OR DELETE ON registry.artifact_tombstones
    FOR EACH ROW EXECUTE FUNCTION registry.refuse_change();

-- Sweeps (planned once per sweep id) and their actions, each carried out once: done or skipped with the keep rule.
CREATE TABLE registry.retention_sweeps (
    sweep_id      uuid        PRIMARY KEY,
    requested_by  text        NOT NULL,
    planned_at    timestamptz NOT NULL,
    policy        jsonb       NOT NULL,
    summary       jsonb       NOT NULL
);
CREATE TABLE registry.retention_actions (
    action_id   uuid        PRIMARY KEY,
    sweep_id    uuid        NOT NULL REFERENCES registry.retention_sweeps,
    version_id  uuid        NOT NULL REFERENCES registry.model_versions,
    action      text        NOT NULL CHECK (action IN ('archive', 'delete')),
    rule        text        NOT NULL,
    bytes       bigint      NOT NULL,
    status      text        NOT NULL CHECK (status IN ('planned', 'done', 'skipped')),
    kept_by     text,
    done_at     timestamptz
);
CREATE INDEX retention_actions_sweep ON registry.retention_actions (sweep_id, status);
