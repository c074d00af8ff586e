-- Owner: platform (schema, privileges; registry.probes for the probe worker, part of the platform).
-- The registry's own schema. The owner role runs migrations; the workers' role ($app_role$)
-- gets data privileges only, so a compromised worker cannot change the schema.
CREATE SCHEMA IF NOT EXISTS registry;
GRANT USAGE ON SCHEMA registry TO "$app_role$";
ALTER DEFAULT PRIVILEGES IN SCHEMA registry GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO "$app_role$";
ALTER DEFAULT PRIVILEGES IN SCHEMA registry GRANT USAGE, SELECT ON SEQUENCES TO "$app_role$";

-- End-to-end probes (RunProbe): one row per probe, however often it is delivered.
CREATE TABLE registry.probes (
    probe_id      uuid        PRIMARY KEY,
    requested_by  text        NOT NULL CHECK (length(requested_by) <= 200),
    requested_at  timestamptz NOT NULL,
    recorded_by   text        NOT NULL,
    recorded_at   timestamptz NOT NULL DEFAULT now(),
    deliveries    integer     NOT NULL DEFAULT 1
);
