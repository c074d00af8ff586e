-- Owner: platform (outbox dead letters, host health reports).
-- Outbox rows the relay cannot publish (an unknown message type, a body that does not read as its
-- type) are moved here with the reason, so they stop no other event; `mreg outbox dead list|retry`.
CREATE TABLE registry.outbox_dead (
    sequence      bigint      PRIMARY KEY,
    message_id    uuid        NOT NULL UNIQUE,
    message_type  text        NOT NULL,
    body          text        NOT NULL,
    created_at    timestamptz NOT NULL,
    failed_at     timestamptz NOT NULL DEFAULT now(),
    reason        text        NOT NULL
);

-- Each running host's own report of its health: the queues it consumes and whether its bus is
-- consuming them (`mreg status` lists it). Written every few seconds; a row not updated for a
-- while is a host that is gone or wedged.
CREATE TABLE registry.hosts (
    instance      text        PRIMARY KEY,
    workers       text        NOT NULL,
    status        text        NOT NULL,
    detail        jsonb       NOT NULL,
    started_at    timestamptz NOT NULL,
    reported_at   timestamptz NOT NULL
);
