-- Comments (annotations) on traces and spans: free text written by a person, with who wrote
-- and last changed it. entity_type is trace or span; project_id is the entity's project, so
-- that deleting a project deletes its comments. Versioned like the other tables: an edit
-- writes a newer version of the same id.

CREATE TABLE IF NOT EXISTS comments {on_cluster}
(
    workspace_id LowCardinality(String),
    entity_type LowCardinality(String),
    entity_id FixedString(36),
    project_id FixedString(36),
    id FixedString(36),
    text String,
    created_at DateTime64(6, 'UTC'),
    last_updated_at DateTime64(6, 'UTC'),
    created_by String,
    last_updated_by String,
    INDEX id_bloom id TYPE bloom_filter GRANULARITY 1
)
ENGINE = {replacing_merge_tree}(last_updated_at)
ORDER BY (workspace_id, entity_type, entity_id, id);
