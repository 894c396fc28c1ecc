-- Optimizations (what opik-optimizer records): a named run on a dataset towards an objective,
-- whose trials are experiments with its id in experiments.optimization_id. metadata and
-- studio_config hold JSON text. The UNIQUE constraint doubles as the lookup index.

CREATE TABLE IF NOT EXISTS optimizations
(
    id CHAR(36) NOT NULL PRIMARY KEY,
    workspace VARCHAR(150) NOT NULL,
    name VARCHAR(255) NOT NULL,
    dataset_id CHAR(36) NOT NULL,
    dataset_name VARCHAR(255) NOT NULL,
    project_id CHAR(36),
    objective_name VARCHAR(255) NOT NULL,
    status VARCHAR(30) NOT NULL,
    metadata TEXT,
    studio_config TEXT,
    created_by VARCHAR(255) NOT NULL,
    last_updated_by VARCHAR(255) NOT NULL,
    created_at DATETIME(6) NOT NULL,
    last_updated_at DATETIME(6) NOT NULL,
    UNIQUE (workspace, id)
) {table_options};
