-- Datasets and experiments: names, settings and links; their items live in ClickHouse.
-- Dataset names are unique in a workspace; experiment names may repeat (as in Opik).
-- JSON-valued columns (tags, metadata, prompt_versions, experiment_scores) hold JSON text.
-- The composite UNIQUE constraints also serve as the indexes of the usual lookups
-- (experiments of a dataset, experiments by name): they are the one index form both
-- SQLite and MySQL accept inside CREATE TABLE.

CREATE TABLE IF NOT EXISTS datasets
(
    id CHAR(36) NOT NULL PRIMARY KEY,
    workspace VARCHAR(150) NOT NULL,
    name VARCHAR(255) NOT NULL,
    description TEXT,
    project_id CHAR(36),
    type VARCHAR(30) NOT NULL,
    tags TEXT NOT NULL,
    created_at DATETIME(6) NOT NULL,
    last_updated_at DATETIME(6) NOT NULL,
    UNIQUE (workspace, name)
) {table_options};

CREATE TABLE IF NOT EXISTS experiments
(
    id CHAR(36) NOT NULL PRIMARY KEY,
    workspace VARCHAR(150) NOT NULL,
    dataset_id CHAR(36) NOT NULL,
    project_id CHAR(36),
    name VARCHAR(255) NOT NULL,
    metadata TEXT,
    tags TEXT NOT NULL,
    type VARCHAR(30) NOT NULL,
    evaluation_method VARCHAR(30) NOT NULL,
    status VARCHAR(30) NOT NULL,
    optimization_id CHAR(36),
    dataset_version_id CHAR(36),
    prompt_versions TEXT,
    experiment_scores TEXT,
    created_at DATETIME(6) NOT NULL,
    last_updated_at DATETIME(6) NOT NULL,
    finished_at DATETIME(6),
    UNIQUE (workspace, dataset_id, id),
    UNIQUE (workspace, name, id)
) {table_options};
