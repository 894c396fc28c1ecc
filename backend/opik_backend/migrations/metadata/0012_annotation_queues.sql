-- Annotation queues: a list of traces or threads (scope) of one project for people to
-- review and score. feedback_definition_names holds a JSON array of the score names each
-- item needs. annotation_queue_items holds the queue's entries: trace ids, or thread ids.

CREATE TABLE IF NOT EXISTS annotation_queues
(
    id CHAR(36) NOT NULL PRIMARY KEY,
    workspace VARCHAR(150) NOT NULL,
    project_id CHAR(36) NOT NULL,
    name VARCHAR(255) NOT NULL,
    description TEXT,
    instructions TEXT,
    scope VARCHAR(10) NOT NULL,
    comments_enabled SMALLINT NOT NULL,
    feedback_definition_names TEXT NOT NULL,
    created_by VARCHAR(255) NOT NULL,
    last_updated_by VARCHAR(255) NOT NULL,
    created_at DATETIME(6) NOT NULL,
    last_updated_at DATETIME(6) NOT NULL,
    UNIQUE (workspace, project_id, name)
) {table_options};

CREATE TABLE IF NOT EXISTS annotation_queue_items
(
    queue_id CHAR(36) NOT NULL,
    item_id VARCHAR(255) NOT NULL,
    created_at DATETIME(6) NOT NULL,
    PRIMARY KEY (queue_id, item_id)
) {table_options};
