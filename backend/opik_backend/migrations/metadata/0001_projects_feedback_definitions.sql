-- Projects and feedback definitions: small, transactional metadata.
-- {table_options} gives MySQL/MariaDB InnoDB, utf8mb4 and case-sensitive names; SQLite
-- needs nothing there.

CREATE TABLE IF NOT EXISTS projects
(
    id CHAR(36) NOT NULL PRIMARY KEY,
    workspace VARCHAR(150) NOT NULL,
    name VARCHAR(255) NOT NULL,
    description TEXT,
    created_at DATETIME(6) NOT NULL,
    last_updated_at DATETIME(6) NOT NULL,
    UNIQUE (workspace, name)
) {table_options};

CREATE TABLE IF NOT EXISTS feedback_definitions
(
    id CHAR(36) NOT NULL PRIMARY KEY,
    workspace VARCHAR(150) NOT NULL,
    name VARCHAR(255) NOT NULL,
    type VARCHAR(20) NOT NULL,
    details TEXT NOT NULL,
    description TEXT,
    created_at DATETIME(6) NOT NULL,
    last_updated_at DATETIME(6) NOT NULL,
    UNIQUE (workspace, name)
) {table_options};
