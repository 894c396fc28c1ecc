-- Attachments of traces and spans: one row per (entity, file name). The bytes live in the
-- attachment file store; `file_ref` names them there (a SHA-256 for the embedded store, whose
-- files are content-addressed and may be shared by several rows; an object key for S3).
-- The UNIQUE constraint doubles as the index of the per-entity listing.

CREATE TABLE IF NOT EXISTS attachments
(
    id CHAR(36) NOT NULL PRIMARY KEY,
    workspace VARCHAR(150) NOT NULL,
    project_id CHAR(36) NOT NULL,
    entity_type VARCHAR(8) NOT NULL,
    entity_id CHAR(36) NOT NULL,
    file_name VARCHAR(255) NOT NULL,
    mime_type VARCHAR(255) NOT NULL,
    file_size BIGINT NOT NULL,
    file_ref VARCHAR(700) NOT NULL,
    created_by VARCHAR(255) NOT NULL,
    created_at DATETIME(6) NOT NULL,
    last_updated_at DATETIME(6) NOT NULL,
    UNIQUE (workspace, entity_type, entity_id, project_id, file_name)
) {table_options};

CREATE INDEX attachments_file_ref ON attachments (file_ref);
