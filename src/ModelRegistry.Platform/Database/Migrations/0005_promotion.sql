-- Owner: promotion (stages, stage changes, promotion sagas, rollbacks).
-- Stages, deployment history and promotion sagas (docs/promotion.md).

-- The current stage of every version that has left 'registered' (no row: still registered). Changed only by a
-- promotion or a rollback, in the same transaction as the saga or rollback that caused it and its audit record.
CREATE TABLE registry.version_stages (
    version_id  uuid        PRIMARY KEY REFERENCES registry.model_versions,
    model_id    uuid        NOT NULL REFERENCES registry.models,
    version     integer     NOT NULL,
    stage       text        NOT NULL CHECK (stage IN ('registered', 'staging', 'shadow', 'canary', 'production', 'retired')),
    since       timestamptz NOT NULL,
    cause       text        NOT NULL CHECK (cause IN ('promotion', 'rollback')),
    cause_id    uuid        NOT NULL
);
-- Production is exclusive per model: the database refuses a second production version whatever the code does.
CREATE UNIQUE INDEX version_stages_one_production ON registry.version_stages (model_id) WHERE stage = 'production';
CREATE INDEX version_stages_model ON registry.version_stages (model_id, stage);

-- Deployment history: every stage change, append-only (a rollback reads it to find the previous production version).
CREATE TABLE registry.stage_changes (
    change_id   bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    model_id    uuid        NOT NULL REFERENCES registry.models,
    version_id  uuid        NOT NULL REFERENCES registry.model_versions,
    version     integer     NOT NULL,
    from_stage  text        NOT NULL,
    to_stage    text        NOT NULL,
    changed_at  timestamptz NOT NULL,
    cause       text        NOT NULL CHECK (cause IN ('promotion', 'rollback')),
    cause_id    uuid        NOT NULL,
    actor       text        NOT NULL
);
CREATE INDEX stage_changes_model ON registry.stage_changes (model_id, change_id);
REVOKE UPDATE, DELETE, TRUNCATE ON registry.stage_changes FROM "$app_role$";
CREATE TRIGGER stage_changes_immutable BEFORE UPDATE OR DELETE ON registry.stage_changes
    FOR EACH ROW EXECUTE FUNCTION registry.refuse_change();

-- One row per promotion request: the saga instance (PromotionState). saga_version is the optimistic concurrency
-- token: an update names the version it read and fails if another process got there first.
CREATE TABLE registry.promotions (
    promotion_id         uuid        PRIMARY KEY,
    saga_version         integer     NOT NULL,
    state                text        NOT NULL,
    model_name           text        NOT NULL,
    version              integer     NOT NULL,
    target_stage         text        NOT NULL,
    model_version_id     uuid        NULL,
    from_stage           text        NULL,
    risk_tier            text        NULL,
    requested_by         text        NOT NULL,
    reason               text        NOT NULL,
    change_ticket        text        NULL,
    requested_at         timestamptz NOT NULL,
    evaluation_deadline  timestamptz NULL,
    approval_deadline    timestamptz NULL,
    votes                jsonb       NOT NULL DEFAULT '[]',
    outcome_code         text        NULL,
    outcome_message      text        NULL,
    finished_at          timestamptz NULL,
    updated_at           timestamptz NOT NULL
);
-- A second promotion of the same version to the same stage while one is open is refused, even when two hosts
-- take the two requests at the same moment.
CREATE UNIQUE INDEX promotions_one_open ON registry.promotions (model_name, version, target_stage)
    WHERE state IN ('AwaitingEvaluations', 'AwaitingApproval');
CREATE INDEX promotions_requested_at ON registry.promotions (requested_at DESC);
CREATE INDEX promotions_model ON registry.promotions (model_name, version);

-- Rollbacks done (idempotency by the requester's rollback id).
CREATE TABLE registry.rollbacks (
    rollback_id       uuid        PRIMARY KEY,
    model_id          uuid        NOT NULL REFERENCES registry.models,
    restored_version  integer     NOT NULL,
    retired_version   integer     NOT NULL,
    incident_id       text        NOT NULL,
    requested_by      text        NOT NULL,
    reason            text        NOT NULL,
    rolled_back_at    timestamptz NOT NULL
);
