-- Owner: deployments. A deploy instruction looks for the deployment that carried it out among the deployed events of its
-- manifest digest (docs/deployments.md, "Acknowledgement"): without this index, a scan of every event ever recorded.
CREATE INDEX deployment_events_deployed_digest ON registry.deployment_events (manifest_digest, at) WHERE kind = 'deployed';
