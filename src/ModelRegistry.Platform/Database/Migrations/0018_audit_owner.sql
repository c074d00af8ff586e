-- Owner: platform (the audit log: its owning role, and the hash check on insert).
-- The audit log owned by nobody who writes it (docs/audit.md, "Who owns what").
--
-- 1. registry.audit_log and its functions belong to mreg_audit, a NOLOGIN role the superuser creates and grants to the
--    migration role (compose/postgres-init.sql). The workers' role keeps SELECT and INSERT, nothing else: it does not own
--    the table, so it cannot ALTER it (DISABLE TRIGGER), drop or replace its triggers and functions, UPDATE, DELETE or
--    TRUNCATE. The host refuses to start when its runtime role is a superuser or a member of the table's owner.
-- 2. Every inserted record's hash is recomputed here from the stored row, in the canonical form of
--    ModelRegistry.Platform.Audit.AuditChain (mreg-audit-v1), and a record whose hash does not match is refused: the
--    workers' role cannot append a wrongly hashed record, nor one after which `mreg audit verify` would stop.
-- 3. The workers' role may read the migration journal: a host reads the level as its runtime role and never holds the
--    owner's credentials (migrations are `mreg db migrate` or `ModelRegistry.Host --migrate-only`).
DO $$
BEGIN
    IF current_setting('server_encoding') <> 'UTF8' THEN
        RAISE EXCEPTION 'the audit hash check needs a UTF8 database, this one is %', current_setting('server_encoding');
    END IF;
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'mreg_audit') THEN
        RAISE EXCEPTION 'role mreg_audit (the audit log''s owner) does not exist: as the database superuser run compose/postgres-init.sql, or: CREATE ROLE mreg_audit NOLOGIN; GRANT mreg_audit TO %;', current_user
            USING ERRCODE = 'undefined_object';
    END IF;
    IF (SELECT rolcanlogin OR rolsuper FROM pg_roles WHERE rolname = 'mreg_audit') THEN
        RAISE EXCEPTION 'role mreg_audit must not log in: as the database superuser run ALTER ROLE mreg_audit NOLOGIN NOSUPERUSER;';
    END IF;
    IF NOT pg_has_role(current_user, 'mreg_audit', 'USAGE') THEN
        RAISE EXCEPTION 'role % cannot act as mreg_audit: as the database superuser run GRANT mreg_audit TO %;', current_user, current_user
            USING ERRCODE = 'insufficient_privilege';
    END IF;
END $$;

-- The canonical details (AuditChain.CanonicalDetails): no whitespace; object members sorted by name in code point order
-- (the bytes of their UTF-8, COLLATE "C"), jsonb having kept the last of duplicate names; strings and numbers exactly as jsonb
-- prints them (escapes as Python's json.dumps(ensure_ascii=False); numbers as numeric prints them). PL/pgSQL, not SQL: a
-- recursive SQL function is planned again at every level (ten times as slow here); scalars are printed in place, so only
-- nested objects and arrays cost a call. Properties in Audit_Database_Properties hold it to the C# form.
CREATE FUNCTION registry.audit_canonical_json(value jsonb) RETURNS text LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE AS $$
BEGIN
    IF jsonb_typeof(value) = 'object' THEN
        RETURN '{' || coalesce((
            SELECT string_agg(to_jsonb(m.key)::text || ':'
                || CASE WHEN jsonb_typeof(m.value) IN ('object', 'array') THEN registry.audit_canonical_json(m.value) ELSE m.value::text END,
                ',' ORDER BY m.key COLLATE "C")
            FROM jsonb_each(value) AS m), '') || '}';
    ELSIF jsonb_typeof(value) = 'array' THEN
        RETURN '[' || coalesce((
            SELECT string_agg(CASE WHEN jsonb_typeof(e.value) IN ('object', 'array') THEN registry.audit_canonical_json(e.value) ELSE e.value::text END,
                ',' ORDER BY e.ordinality)
            FROM jsonb_array_elements(value) WITH ORDINALITY AS e), '') || ']';
    END IF;
    RETURN value::text;
END $$;

-- One field of the canonical form: its length in UTF-8 bytes, ':', the text, a line feed; null for none.
CREATE FUNCTION registry.audit_canonical_field(value text) RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT octet_length(value)::text || ':' || value || E'\n'
$$;

-- A record's canonical form, mreg-audit-v1 (AuditChain.Canonical); its hash is the hex SHA-256 of these bytes in UTF-8.
-- None (null) for an instant the canonical timestamp cannot write (years 1 to 9999, as .NET's DateTimeOffset; not infinity).
CREATE FUNCTION registry.audit_canonical(sequence bigint, recorded_at timestamptz, actor text, action text, subject_type text,
    subject text, model_name text, details jsonb, previous_hash text) RETURNS text LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT 'mreg-audit-v1' || E'\n'
        || registry.audit_canonical_field(sequence::text)
        || registry.audit_canonical_field(CASE WHEN recorded_at >= '0001-01-01 00:00:00+00' AND recorded_at < '10000-01-01 00:00:00+00'
            THEN to_char(recorded_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') END)
        || registry.audit_canonical_field(actor)
        || registry.audit_canonical_field(action)
        || registry.audit_canonical_field(subject_type)
        || registry.audit_canonical_field(subject)
        || coalesce(registry.audit_canonical_field(model_name), E'-\n')
        || registry.audit_canonical_field(registry.audit_canonical_json(details))
        || registry.audit_canonical_field(previous_hash)
$$;

CREATE FUNCTION registry.audit_hash(sequence bigint, recorded_at timestamptz, actor text, action text, subject_type text,
    subject text, model_name text, details jsonb, previous_hash text) RETURNS text LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT encode(sha256(convert_to(registry.audit_canonical(sequence, recorded_at, actor, action, subject_type, subject,
        model_name, details, previous_hash), 'UTF8')), 'hex')
$$;

-- 0006's statement check, plus the hash: once per statement, over the statement's new records. search_path is pinned so
-- that nothing a session puts in pg_temp (types, tables) is picked up by the check.
CREATE OR REPLACE FUNCTION registry.audit_log_check_links() RETURNS trigger LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    first_sequence bigint;
    last_sequence bigint;
    inserted bigint;
    before_sequence bigint;
    after_sequence bigint;
    broken bigint;
    stored text;
    computed text;
BEGIN
    SELECT min(sequence), max(sequence), count(*) INTO first_sequence, last_sequence, inserted FROM new_records;
    IF inserted = 0 THEN
        RETURN NULL;
    END IF;
    SELECT max(sequence) INTO before_sequence FROM registry.audit_log WHERE sequence < first_sequence;
    SELECT max(sequence) INTO after_sequence FROM registry.audit_log;
    IF first_sequence <> coalesce(before_sequence, 0) + 1 OR last_sequence - first_sequence + 1 <> inserted
        OR after_sequence <> last_sequence THEN
        RAISE EXCEPTION 'audit records % to % do not follow the last record (%)', first_sequence, last_sequence,
            coalesce(before_sequence::text, 'genesis')
            USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    SELECT n.sequence INTO broken
    FROM new_records n LEFT JOIN registry.audit_log p ON p.sequence = n.sequence - 1
    WHERE n.previous_hash IS DISTINCT FROM coalesce(p.hash, CASE WHEN n.sequence = 1 THEN repeat('0', 64) END)
    ORDER BY n.sequence LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'audit record % does not carry the hash of record %', broken, broken - 1
            USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    SELECT n.sequence, n.hash, h.hash INTO broken, stored, computed
    FROM new_records n
    CROSS JOIN LATERAL (SELECT registry.audit_hash(n.sequence, n.recorded_at, n.actor, n.action, n.subject_type, n.subject,
        n.model_name, n.details, n.previous_hash) AS hash) h
    WHERE h.hash IS DISTINCT FROM n.hash
    ORDER BY n.sequence LIMIT 1;
    IF FOUND AND computed IS NULL THEN
        RAISE EXCEPTION 'audit record % has no canonical form: its recorded_at is outside the years 1 to 9999', broken
            USING ERRCODE = 'integrity_constraint_violation';
    ELSIF FOUND THEN
        RAISE EXCEPTION 'audit record % has hash %, but its content hashes to % (mreg-audit-v1): a record must carry the hash of what is stored',
            broken, stored, computed
            USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    RETURN NULL;
END $$;

-- Ownership: the new owner must be able to create in the schema for ALTER ... OWNER; it keeps nothing else.
GRANT USAGE, CREATE ON SCHEMA registry TO mreg_audit;
ALTER TABLE registry.audit_log OWNER TO mreg_audit;
ALTER FUNCTION registry.audit_log_refuse_change() OWNER TO mreg_audit;
ALTER FUNCTION registry.audit_log_check_links() OWNER TO mreg_audit;
ALTER FUNCTION registry.audit_canonical_json(jsonb) OWNER TO mreg_audit;
ALTER FUNCTION registry.audit_canonical_field(text) OWNER TO mreg_audit;
ALTER FUNCTION registry.audit_canonical(bigint, timestamptz, text, text, text, text, text, jsonb, text) OWNER TO mreg_audit;
ALTER FUNCTION registry.audit_hash(bigint, timestamptz, text, text, text, text, text, jsonb, text) OWNER TO mreg_audit;
REVOKE CREATE ON SCHEMA registry FROM mreg_audit;

-- The workers' role: read and append, nothing else (0004 revoked UPDATE, DELETE, TRUNCATE; this states the whole grant).
REVOKE ALL ON registry.audit_log FROM "$app_role$";
GRANT SELECT, INSERT ON registry.audit_log TO "$app_role$";

-- 3. The host reads the migration level as its runtime role.
GRANT SELECT ON public.schema_versions TO "$app_role$";
