-- Owner: promotion (registry.models.stage_sequence), platform (the outbox's ordering key), deployments (the sequence of a kept deploy instruction).
-- Deploy instructions in order (docs/messages.md, "Order of a model's stage changes").

-- Each stage change of a model (a promotion or a rollback, one transaction) takes the next number of its model, under the
-- model row's lock: ModelVersionPromoted, ModelVersionRolledBack and DeployModelVersion carry it as stageSequence.
-- Existing models: one number per promotion or rollback already in their history, so the next change continues after them.
ALTER TABLE registry.models ADD COLUMN stage_sequence bigint NOT NULL DEFAULT 0 CHECK (stage_sequence >= 0);
UPDATE registry.models m SET stage_sequence = c.changes
FROM (SELECT model_id, count(DISTINCT cause_id) AS changes FROM registry.stage_changes GROUP BY model_id) c
WHERE c.model_id = m.model_id;

-- Events with the same ordering key (a model's stage changes: 'model:' || name) are published in sequence order, one at a
-- time, even with several hosts relaying (OutboxRelay). Null: no order to keep beyond the broker's best effort.
ALTER TABLE registry.outbox ADD COLUMN ordering_key text;
CREATE INDEX outbox_ordering_key ON registry.outbox (ordering_key, sequence) WHERE ordering_key IS NOT NULL;
ALTER TABLE registry.outbox_dead ADD COLUMN ordering_key text;

-- The stage sequence of the instruction (null: recorded before instructions carried one).
ALTER TABLE registry.deploy_instructions ADD COLUMN stage_sequence bigint;
