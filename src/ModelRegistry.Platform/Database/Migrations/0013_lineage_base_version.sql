-- Owner: registration (lineage). `mreg impact --base-model` and the provenance's base chain walk lineage from a base
-- version to the versions fine-tuned from it: without this index each level of the walk scans the table.
CREATE INDEX lineage_base_version ON registry.lineage (base_version_id) WHERE base_version_id IS NOT NULL;
