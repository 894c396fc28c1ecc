-- Dataset versions: named, immutable snapshots of a dataset's items (the item copies live in
-- ClickHouse, table dataset_item_versions). version_number gives the 'v1', 'v2', ... names;
-- version_hash is derived from the items' content, so equal content gives equal hashes.
-- tags and metadata hold JSON text. The UNIQUE constraints double as the lookup indexes.

CREATE TABLE IF NOT EXISTS dataset_versions
(
    id CHAR(36) NOT NULL PRIMARY KEY,
    workspace VARCHAR(150) NOT NULL,
    dataset_id CHAR(36) NOT NULL,
    version_number INT NOT NULL,
    version_hash VARCHAR(64) NOT NULL,
    tags TEXT NOT NULL,
    change_description TEXT,
    metadata TEXT,
    items_total BIGINT NOT NULL,
    items_added BIGINT NOT NULL,
    items_modified BIGINT NOT NULL,
    items_deleted BIGINT NOT NULL,
    created_by VARCHAR(255) NOT NULL,
    created_at DATETIME(6) NOT NULL,
    last_updated_at DATETIME(6) NOT NULL,
    UNIQUE (workspace, dataset_id, version_number),
    UNIQUE (workspace, dataset_id, version_hash, id)
) {table_options};
