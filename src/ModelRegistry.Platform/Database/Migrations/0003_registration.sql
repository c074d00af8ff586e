-- Owner: registration (models, versions, files, lineage, tags), evaluation (evaluations, metrics); platform (rejections, inbox, outbox).
-- Registration and evaluation ingestion (issue: ModelTrained becomes a verified, lineage-complete version).

-- A registered model. next_version is the counter that numbers its versions: it is advanced in
-- the same transaction that inserts the version, under the row's lock, so numbers have no gaps
-- and no duplicates however many processes register at once.
CREATE TABLE registry.models (
    model_id      uuid        PRIMARY KEY,
    name          text        NOT NULL UNIQUE CHECK (name ~ '^[a-z0-9][a-z0-9._-]{0,99}$'),
    owner_team    text        NOT NULL,
    description   text,
    risk_tier     text        NOT NULL CHECK (risk_tier IN ('low', 'medium', 'high', 'critical')),
    next_version  integer     NOT NULL DEFAULT 1 CHECK (next_version >= 1),
    created_at    timestamptz NOT NULL DEFAULT now(),
    updated_at    timestamptz NOT NULL DEFAULT now()
);

-- The model's current labels: those of its latest registration.
CREATE TABLE registry.model_tags (
    model_id  uuid NOT NULL REFERENCES registry.models ON DELETE CASCADE,
    key       text NOT NULL,
    value     text NOT NULL,
    PRIMARY KEY (model_id, key)
);
CREATE INDEX model_tags_key_value ON registry.model_tags (key, value);

-- An immutable model version (see the trigger below).
CREATE TABLE registry.model_versions (
    version_id       uuid        PRIMARY KEY,
    model_id         uuid        NOT NULL REFERENCES registry.models,
    version          integer     NOT NULL CHECK (version >= 1),
    manifest_digest  text        NOT NULL CHECK (manifest_digest ~ '^sha256:[0-9a-f]{64}$'),
    idempotency_key  text        NOT NULL,
    description      text,
    owner_team       text        NOT NULL,
    risk_tier        text        NOT NULL,
    trained_at       timestamptz NOT NULL,
    registered_at    timestamptz NOT NULL DEFAULT now(),
    message_id       uuid,
    UNIQUE (model_id, version),
    UNIQUE (model_id, idempotency_key)
);
CREATE INDEX model_versions_manifest_digest ON registry.model_versions (manifest_digest);

CREATE TABLE registry.version_tags (
    version_id  uuid NOT NULL REFERENCES registry.model_versions,
    key         text NOT NULL,
    value       text NOT NULL,
    PRIMARY KEY (version_id, key)
);

-- Content-addressed objects in the artifact store: one row per distinct content.
CREATE TABLE registry.artifact_objects (
    sha256           text        PRIMARY KEY CHECK (sha256 ~ '^[0-9a-f]{64}$'),
    size             bigint      NOT NULL CHECK (size >= 0),
    first_stored_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE registry.artifact_files (
    version_id  uuid   NOT NULL REFERENCES registry.model_versions,
    path        text   NOT NULL,
    role        text   NOT NULL CHECK (role IN ('weights', 'config', 'tokenizer', 'other')),
    sha256      text   NOT NULL REFERENCES registry.artifact_objects,
    size        bigint NOT NULL,
    source_uri  text   NOT NULL,
    PRIMARY KEY (version_id, path)
);
CREATE INDEX artifact_files_sha256 ON registry.artifact_files (sha256);

CREATE TABLE registry.lineage (
    version_id          uuid PRIMARY KEY REFERENCES registry.model_versions,
    training_run_id     text NOT NULL,
    training_run_url    text,
    code_repository     text NOT NULL,
    code_commit         text NOT NULL,
    base_model_name     text,
    base_model_version  integer,
    base_version_id     uuid REFERENCES registry.model_versions,
    hyperparameters     jsonb NOT NULL DEFAULT '{}'
);
CREATE INDEX lineage_training_run ON registry.lineage (training_run_id);
CREATE INDEX lineage_code_commit ON registry.lineage (code_commit);

CREATE TABLE registry.lineage_datasets (
    version_id  uuid NOT NULL REFERENCES registry.model_versions,
    name        text NOT NULL,
    version     text NOT NULL,
    digest      text NOT NULL,
    PRIMARY KEY (version_id, name, version)
);
CREATE INDEX lineage_datasets_digest ON registry.lineage_datasets (digest);

-- Versions and what hangs off them never change: metadata edits are separate, audited records.
CREATE FUNCTION registry.refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '% of %.% is not allowed: registered versions are immutable', TG_OP, TG_TABLE_SCHEMA, TG_TABLE_NAME
        USING ERRCODE = 'integrity_constraint_violation';
END $$;
CREATE TRIGGER model_versions_immutable BEFORE UPDATE OR DELETE ON registry.model_versions
    FOR EACH ROW EXECUTE FUNCTION registry.refuse_change();
CREATE TRIGGER version_tags_immutable BEFORE UPDATE OR DELETE ON registry.version_tags
    FOR EACH ROW EXECUTE FUNCTION registry.refuse_change();
CREATE TRIGGER artifact_files_immutable BEFORE UPDATE OR DELETE ON registry.artifact_files
    FOR EACH ROW EXECUTE FUNCTION registry.refuse_change();
CREATE TRIGGER lineage_immutable BEFORE UPDATE OR DELETE ON registry.lineage
    FOR EACH ROW EXECUTE FUNCTION registry.refuse_change();
CREATE TRIGGER lineage_datasets_immutable BEFORE UPDATE OR DELETE ON registry.lineage_datasets
    FOR EACH ROW EXECUTE FUNCTION registry.refuse_change();

CREATE TABLE registry.evaluations (
    evaluation_id         uuid        PRIMARY KEY,
    version_id            uuid        NOT NULL REFERENCES registry.model_versions,
    suite                 text        NOT NULL,
    dataset_name          text,
    dataset_version       text,
    dataset_digest        text,
    bias_assessments      jsonb       NOT NULL DEFAULT '[]',
    security_findings     jsonb       NOT NULL DEFAULT '[]',
    max_finding_severity  text        NOT NULL,
    evaluated_at          timestamptz NOT NULL,
    recorded_at           timestamptz NOT NULL DEFAULT now(),
    message_id            uuid
);
CREATE INDEX evaluations_version ON registry.evaluations (version_id, suite);

CREATE TABLE registry.evaluation_metrics (
    evaluation_id  uuid             NOT NULL REFERENCES registry.evaluations,
    name           text             NOT NULL,
    value          double precision NOT NULL,
    PRIMARY KEY (evaluation_id, name)
);

-- Refused messages, kept for inspection with their reason and body.
CREATE TABLE registry.rejections (
    rejection_id  bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    kind          text        NOT NULL CHECK (kind IN ('registration', 'evaluation')),
    message_id    uuid,
    subject       text        NOT NULL,
    reason_code   text        NOT NULL,
    reason        text        NOT NULL,
    payload       jsonb       NOT NULL,
    rejected_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX rejections_kind_time ON registry.rejections (kind, rejected_at);

-- Inbox: a message id a consumer has finished, so a redelivery changes nothing.
CREATE TABLE registry.inbox (
    message_id    uuid        NOT NULL,
    consumer      text        NOT NULL,
    processed_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (message_id, consumer)
);

-- Transactional outbox: events written with the state change they announce, relayed to
-- RabbitMQ by OutboxRelay, deleted once the broker confirmed them.
CREATE TABLE registry.outbox (
    sequence      bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    message_id    uuid        NOT NULL UNIQUE,
    message_type  text        NOT NULL,
    body          jsonb       NOT NULL,
    created_at    timestamptz NOT NULL DEFAULT now()
);

CREATE FUNCTION registry.outbox_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('mreg_outbox', '');
    RETURN NULL;
END $$;
CREATE TRIGGER outbox_notify AFTER INSERT ON registry.outbox
    FOR EACH STATEMENT EXECUTE FUNCTION registry.outbox_notify();
