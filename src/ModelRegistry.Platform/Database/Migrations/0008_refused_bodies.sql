-- Owner: platform (refused bodies in registry.rejections).
-- Bodies over Messages:MaxBodyBytes are refused unread (docs/messages.md, "Size"): each is kept here, cut to its first
-- 4 KiB with its size and SHA-256, under the kind of command it was published as.
ALTER TABLE registry.rejections DROP CONSTRAINT rejections_kind_check;
ALTER TABLE registry.rejections ADD CONSTRAINT rejections_kind_check
    CHECK (kind IN ('registration', 'evaluation', 'promotion', 'approval', 'rollback'));
