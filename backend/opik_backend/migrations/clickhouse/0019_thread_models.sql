-- Threads as entities of their own, as Opik keeps them: each thread of a project gets a UUID
-- v7 (its thread_model_id, the id thread comments, PATCH and annotation queues use) the first
-- time it is read. Two readers racing may both write one: the smallest id wins, for ever.
-- thread_tags holds the tags set on a thread by hand (PATCH); newest row per thread wins,
-- and a thread with none shows its traces' tags.

CREATE TABLE IF NOT EXISTS thread_models {on_cluster}
(
    workspace_id LowCardinality(String),
    project_id FixedString(36),
    thread_id String,
    id FixedString(36),
    created_at DateTime64(6, 'UTC'),
    INDEX id_bloom id TYPE bloom_filter GRANULARITY 1
)
ENGINE = {replacing_merge_tree}(created_at)
ORDER BY (workspace_id, project_id, thread_id, id);

CREATE TABLE IF NOT EXISTS thread_tags {on_cluster}
(
    workspace_id LowCardinality(String),
    project_id FixedString(36),
    thread_id String,
    tags Array(String),
    last_updated_at DateTime64(6, 'UTC'),
    last_updated_by String
)
ENGINE = {replacing_merge_tree}(last_updated_at)
ORDER BY (workspace_id, project_id, thread_id);
