-- Owner: platform (the audit link check, the outbox body type).
-- Cheaper writes on the registration path; the rules are unchanged.
--
-- 1. The audit log's link check (0004) ran a PL/pgSQL function and an index probe for every inserted record, while a
--    group of registrations inserts dozens in one statement. It now runs once per statement, over the statement's new
--    records: they must be contiguous, start right after the last record that was there before, leave no record after
--    them, and each must carry the hash of the record before it (the genesis hash before the first). Two inserts racing
--    without the advisory lock both pass here, as before, and collide on the primary key.
DROP TRIGGER audit_log_link ON registry.audit_log;
DROP FUNCTION registry.audit_log_check_link();

CREATE FUNCTION registry.audit_log_check_links() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    first_sequence bigint;
    last_sequence bigint;
    inserted bigint;
    before_sequence bigint;
    after_sequence bigint;
    broken bigint;
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
    RETURN NULL;
END $$;
CREATE TRIGGER audit_log_links AFTER INSERT ON registry.audit_log
    REFERENCING NEW TABLE AS new_records
    FOR EACH STATEMENT EXECUTE FUNCTION registry.audit_log_check_links();

-- 2. Outbox bodies are written by the registry's own serializer and read back only to be published: jsonb parsed each one on
--    the way in and printed it again on the way out. Text keeps the bytes as written.
ALTER TABLE registry.outbox ALTER COLUMN body TYPE text USING body::text;
