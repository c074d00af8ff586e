-- Owner: retention (an index on the promotion worker's stage history, which retention reads). docs/retention.md.
-- Every archive or delete action re-checks the keep rules over its version's closure, which reads the stage history of
-- those few versions: without an index by version that is a scan of every stage change, once per action.
CREATE INDEX stage_changes_version ON registry.stage_changes (version_id);
