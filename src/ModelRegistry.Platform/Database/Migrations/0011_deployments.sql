-- Owner: deployments (endpoints, deployment events and their interval history, shadow models, deploy instructions,
-- policy violations, discovery audits). docs/deployments.md.

-- GiST over (endpoint_id, served): "what served on E at T" is one index probe. btree_gist is a trusted extension
-- (PostgreSQL 13+), so the schema owner may create it.
CREATE EXTENSION IF NOT EXISTS btree_gist;

-- Every endpoint the registry has heard of. Its row is the lock that serializes the writers of one endpoint's history
-- (several hosts, several publishers).
CREATE TABLE registry.endpoints (
    endpoint_id       text        PRIMARY KEY CHECK (length(endpoint_id) BETWEEN 1 AND 200),
    environment       text        NOT NULL,
    platform          text,
    first_seen_at     timestamptz NOT NULL,
    last_event_at     timestamptz NOT NULL,   -- the latest event time of any event or heartbeat
    last_reported_at  timestamptz             -- the latest heartbeat written (unchanged heartbeats update it at most once a minute)
);

-- The distinct events of each endpoint: the history is a pure function of this set (Rules/DeploymentHistory), so
-- order of arrival and duplicates do not matter. event_key is the SHA-256 of the event's canonical content.
CREATE TABLE registry.deployment_events (
    event_key        text        PRIMARY KEY,
    endpoint_id      text        NOT NULL REFERENCES registry.endpoints,
    deployment_id    text        NOT NULL,
    kind             text        NOT NULL CHECK (kind IN ('deployed', 'undeployed', 'failed', 'inventory')),
    at               timestamptz NOT NULL,
    environment      text        NOT NULL,
    model_name       text,
    version          integer,
    manifest_digest  text,
    traffic_percent  double precision,
    instruction_id   uuid,
    actor            text,
    details          jsonb       NOT NULL DEFAULT '{}',   -- inventory: the digests served with their shares; failed/undeployed: reason
    message_id       uuid,
    recorded_at      timestamptz NOT NULL
);
CREATE INDEX deployment_events_endpoint ON registry.deployment_events (endpoint_id, at);
CREATE INDEX deployment_events_instruction ON registry.deployment_events (instruction_id) WHERE instruction_id IS NOT NULL;

-- The history: what served on which endpoint with what traffic share, [from, to). Rebuilt per endpoint from its
-- events; version_id is null while the digest belongs to no registered version (a shadow model).
CREATE TABLE registry.deployment_intervals (
    endpoint_id      text             NOT NULL REFERENCES registry.endpoints,
    environment      text             NOT NULL,
    deployment_id    text             NOT NULL,
    version_id       uuid             REFERENCES registry.model_versions,
    model_name       text,
    version          integer,
    manifest_digest  text,
    traffic_percent  double precision NOT NULL,
    served           tstzrange        NOT NULL CHECK (NOT isempty(served) AND lower_inc(served) AND NOT upper_inc(served)),
    source           text             NOT NULL CHECK (source IN ('reported', 'observed')),
    closed_by        text             CHECK (closed_by IN ('undeployed', 'failed', 'inventory', 'replaced', 'reported'))
);
CREATE INDEX deployment_intervals_endpoint_served ON registry.deployment_intervals USING gist (endpoint_id, served);
CREATE INDEX deployment_intervals_version ON registry.deployment_intervals (version_id, lower(served));
CREATE INDEX deployment_intervals_digest ON registry.deployment_intervals (manifest_digest);
CREATE INDEX deployment_intervals_open ON registry.deployment_intervals (environment, endpoint_id) WHERE upper_inf(served);

-- Shadow models: each (endpoint, digest) the registry did not know when it was seen serving; announced once.
CREATE TABLE registry.shadow_sightings (
    endpoint_id      text             NOT NULL REFERENCES registry.endpoints,
    manifest_digest  text             NOT NULL,
    environment      text             NOT NULL,
    reported_name    text,
    traffic_percent  double precision NOT NULL,
    first_seen_at    timestamptz      NOT NULL,
    last_seen_at     timestamptz      NOT NULL,
    detected_at      timestamptz      NOT NULL,
    PRIMARY KEY (endpoint_id, manifest_digest)
);
CREATE INDEX shadow_sightings_digest ON registry.shadow_sightings (manifest_digest);

-- Triage of a shadow digest (mreg shadow adopt | dismiss): one row per digest, every change audited.
CREATE TABLE registry.shadow_triage (
    manifest_digest  text        PRIMARY KEY,
    status           text        NOT NULL CHECK (status IN ('adopted', 'dismissed')),
    model_name       text,
    owner            text,
    register_by      timestamptz,
    version_id       uuid        REFERENCES registry.model_versions,
    reason           text,
    triaged_by       text        NOT NULL,
    triaged_at       timestamptz NOT NULL,
    request_id       uuid        NOT NULL
);

-- Deploy instructions (DeployModelVersion) the promotion worker published, and the ModelDeployed that acknowledged each.
CREATE TABLE registry.deploy_instructions (
    instruction_id        uuid        PRIMARY KEY,
    cause                 text        NOT NULL,
    model_name            text        NOT NULL,
    version               integer     NOT NULL,
    model_version_id      uuid        NOT NULL,
    manifest_digest       text        NOT NULL,
    issued_at             timestamptz NOT NULL,
    due_at                timestamptz NOT NULL,
    acknowledged_at       timestamptz,
    acknowledged_by       text,        -- the deployment id of the ModelDeployed
    acknowledged_endpoint text,
    violation_raised_at   timestamptz
);
CREATE INDEX deploy_instructions_pending ON registry.deploy_instructions (due_at) WHERE acknowledged_at IS NULL;

-- Policy violations, raised once per violation_key (kind and subject) while open.
CREATE TABLE registry.policy_violations (
    violation_id     uuid        PRIMARY KEY,
    violation_key    text        NOT NULL UNIQUE,
    kind             text        NOT NULL,
    endpoint_id      text,
    environment      text,
    model_name       text,
    version          integer,
    manifest_digest  text,
    instruction_id   uuid,
    message          text        NOT NULL,
    detected_at      timestamptz NOT NULL,
    resolved_at      timestamptz
);
CREATE INDEX policy_violations_detected ON registry.policy_violations (detected_at DESC);

-- Discovery audit runs (the Quartz job), with their summary.
CREATE TABLE registry.discovery_audits (
    audit_id      uuid        PRIMARY KEY,
    started_at    timestamptz NOT NULL,
    completed_at  timestamptz NOT NULL,
    summary       jsonb       NOT NULL
);

ALTER TABLE registry.rejections DROP CONSTRAINT rejections_kind_check;
ALTER TABLE registry.rejections ADD CONSTRAINT rejections_kind_check
    CHECK (kind IN ('registration', 'evaluation', 'promotion', 'approval', 'rollback', 'deployment'));
