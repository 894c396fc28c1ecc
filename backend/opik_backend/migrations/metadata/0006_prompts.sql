-- The prompt library: prompts (names unique in a workspace, as in Opik) and their immutable
-- versions. A version's commit is the last 8 characters of its id. template_structure
-- ('text' or 'chat') is fixed when the prompt is created. tags and metadata hold JSON text;
-- a version's tags are NULL until some are set (Opik then answers null, not []).
-- The UNIQUE constraints double as the lookup indexes (versions of a prompt, by commit).

CREATE TABLE IF NOT EXISTS prompts
(
    id CHAR(36) NOT NULL PRIMARY KEY,
    workspace VARCHAR(150) NOT NULL,
    name VARCHAR(255) NOT NULL,
    description TEXT,
    project_id CHAR(36),
    template_structure VARCHAR(10) NOT NULL,
    tags TEXT NOT NULL,
    created_by VARCHAR(255) NOT NULL,
    last_updated_by VARCHAR(255) NOT NULL,
    created_at DATETIME(6) NOT NULL,
    last_updated_at DATETIME(6) NOT NULL,
    UNIQUE (workspace, name)
) {table_options};

CREATE TABLE IF NOT EXISTS prompt_versions
(
    id CHAR(36) NOT NULL PRIMARY KEY,
    workspace VARCHAR(150) NOT NULL,
    prompt_id CHAR(36) NOT NULL,
    commit_id VARCHAR(16) NOT NULL,
    template MEDIUMTEXT NOT NULL,
    metadata TEXT,
    type VARCHAR(10) NOT NULL,
    change_description TEXT,
    tags TEXT,
    created_by VARCHAR(255) NOT NULL,
    created_at DATETIME(6) NOT NULL,
    UNIQUE (workspace, prompt_id, commit_id),
    UNIQUE (workspace, commit_id, id)
) {table_options};
