-- Owner: platform (audit). One thing's history by its subject: `mreg promotions show` reads a promotion's approval
-- requests and refused decisions (approval.refused records carry no model name when the promotion is unknown). Without
-- it that read scans the whole log.
CREATE INDEX audit_log_subject ON registry.audit_log (subject, sequence);
