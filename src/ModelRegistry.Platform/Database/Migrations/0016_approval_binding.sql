-- Owner: promotion. Approvals bound to what they approve (docs/ticketing.md): each approval request gets a nonce that
-- every decision answering it signs, and its time bounds decidedAt; a signed decision once refused is remembered, so it
-- can never count later (replayed_decision). The application may add such rows, never change or delete them.
ALTER TABLE registry.promotions ADD COLUMN approval_nonce text, ADD COLUMN approval_requested_at timestamptz;

CREATE TABLE registry.refused_approvals (
    promotion_id uuid NOT NULL,
    signature text NOT NULL,
    reason_code text NOT NULL,
    refused_at timestamptz NOT NULL,
    PRIMARY KEY (promotion_id, signature)
);
REVOKE UPDATE, DELETE, TRUNCATE ON registry.refused_approvals FROM "$app_role$";
