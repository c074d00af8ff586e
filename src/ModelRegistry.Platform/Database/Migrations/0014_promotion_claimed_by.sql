-- Owner: promotion. A promotion's requester (requested_by) is the principal the broker vouched for (its validated AMQP
-- user_id, docs/security.md); what the request's body claimed (requestedBy) is kept beside it as information.
ALTER TABLE registry.promotions ADD COLUMN claimed_by text;
