-- Thread states: a thread closed (inactive) or opened (active) by hand, and when. A thread
-- with no state here is active until it has had no new trace for a while; a closed thread
-- is inactive until a trace newer than the close arrives. Newest state per thread wins.

CREATE TABLE IF NOT EXISTS thread_states {on_cluster}
(
    workspace_id LowCardinality(String),
    project_id FixedString(36),
    thread_id String,
    status LowCardinality(String),
    last_updated_at DateTime64(6, 'UTC'),
    last_updated_by String
)
ENGINE = {replacing_merge_tree}(last_updated_at)
ORDER BY (workspace_id, project_id, thread_id);
