-- Owner: evaluation (evaluations). "The latest evaluation of a suite" is the one the registry received last, never the one
-- whose publisher claims the latest evaluated_at (a claim dated 9999-12-31 would otherwise win every later gate).
-- received_seq is the database's own order of arrival: one sequence for every host, so clocks that disagree cannot
-- reorder it. Rows recorded before this migration are numbered in the order they were recorded (recorded_at, then id).
ALTER TABLE registry.evaluations ADD COLUMN received_seq bigint;
UPDATE registry.evaluations e SET received_seq = o.n
FROM (SELECT evaluation_id, row_number() OVER (ORDER BY recorded_at, evaluation_id) AS n FROM registry.evaluations) o
WHERE o.evaluation_id = e.evaluation_id;
ALTER TABLE registry.evaluations ALTER COLUMN received_seq SET NOT NULL;
ALTER TABLE registry.evaluations ALTER COLUMN received_seq ADD GENERATED ALWAYS AS IDENTITY;
SELECT setval(pg_get_serial_sequence('registry.evaluations', 'received_seq'),
    coalesce((SELECT max(received_seq) FROM registry.evaluations), 0) + 1, false);
DROP INDEX registry.evaluations_version;
CREATE INDEX evaluations_version ON registry.evaluations (version_id, suite, received_seq);
