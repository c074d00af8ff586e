-- Owner: platform (the audit chain every module writes through).
-- The immutable, hash-chained audit log (docs/audit.md). Every registration, evaluation, promotion step, approval
-- decision, stage change, rollback, deployment and retention action appends one record, in the transaction of the
-- change it records (ModelRegistry.Persistence.Audit.AuditLog.AppendAsync).
--
-- Each record carries a gap-free sequence number, the previous record's hash and its own SHA-256 over a canonical
-- serialization (ModelRegistry.Domain.Audit.AuditChain), so any later edit shows in `mreg audit verify`.
--
-- Ordering across processes: an appender takes pg_advisory_xact_lock(0x6d72656761756474, "mregaudt"), reads the last
-- (sequence, hash), and inserts sequence + 1. The lock is held until the business transaction ends, so sequences are
-- assigned in commit order and a rollback leaves no gap. The price: audited transactions are serialized from their
-- append to their commit, so appends/s is bounded by 1 / (insert + commit time), a few hundred to a few thousand a
-- second depending on the disk's fsync. Appenders therefore append last, immediately before COMMIT.
CREATE TABLE registry.audit_log (
    sequence       bigint      PRIMARY KEY CHECK (sequence >= 1),
    recorded_at    timestamptz NOT NULL,
    actor          text        NOT NULL CHECK (actor <> ''),
    action         text        NOT NULL CHECK (action <> ''),
    subject_type   text        NOT NULL CHECK (subject_type <> ''),
    subject        text        NOT NULL CHECK (subject <> ''),
    model_name     text        NULL CHECK (model_name <> ''),
    details        jsonb       NOT NULL CHECK (jsonb_typeof(details) = 'object'),
    previous_hash  text        COLLATE "C" NOT NULL CHECK (length(previous_hash) = 64 AND previous_hash !~ '[^0-9a-f]'),
    hash           text        COLLATE "C" NOT NULL UNIQUE CHECK (length(hash) = 64 AND hash !~ '[^0-9a-f]')
);
-- (Hashes are compared byte-wise, hence COLLATE "C"; the checks avoid '{64}', which PostgreSQL's regex engine makes
-- ten times as slow as the whole rest of an insert.)
CREATE INDEX audit_log_model ON registry.audit_log (model_name, sequence);
CREATE INDEX audit_log_recorded_at ON registry.audit_log (recorded_at);

-- 0001's default privileges gave the workers' role UPDATE and DELETE on every new table: not on this one.
REVOKE UPDATE, DELETE, TRUNCATE ON registry.audit_log FROM "$app_role$";

-- Privileges stop the workers' role; the triggers stop everyone else who has them (the owner included). A superuser
-- can still get round both (session_replication_role = replica): that is what `mreg audit verify` is for.
CREATE FUNCTION registry.audit_log_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '% of registry.audit_log is not allowed: the audit log is append-only', TG_OP
        USING ERRCODE = 'integrity_constraint_violation';
END $$;
CREATE TRIGGER audit_log_no_update_or_delete BEFORE UPDATE OR DELETE ON registry.audit_log
    FOR EACH ROW EXECUTE FUNCTION registry.audit_log_refuse_change();
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON registry.audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION registry.audit_log_refuse_change();

-- Defence in depth for the chain: a new record must follow the last one (next sequence, its hash as previous hash),
-- whoever inserts it and whether or not it took the advisory lock. Two inserts racing without the lock both pass
-- here and then collide on the primary key. It costs one index probe per insert.
CREATE FUNCTION registry.audit_log_check_link() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    last_sequence bigint;
    last_hash text;
BEGIN
    SELECT sequence, hash INTO last_sequence, last_hash FROM registry.audit_log ORDER BY sequence DESC LIMIT 1;
    IF NEW.sequence <> coalesce(last_sequence, 0) + 1 OR NEW.previous_hash <> coalesce(last_hash, repeat('0', 64)) THEN
        RAISE EXCEPTION 'audit record % does not follow the last record (% %)', NEW.sequence,
            coalesce(last_sequence, 0), coalesce(last_hash, 'genesis')
            USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER audit_log_link BEFORE INSERT ON registry.audit_log
    FOR EACH ROW EXECUTE FUNCTION registry.audit_log_check_link();
