-- API keys for server mode. Only a SHA-256 hash of a key is kept; the key itself is shown
-- once, when it is created. `prefix` (the first characters) lets a person tell keys apart.

CREATE TABLE IF NOT EXISTS api_keys
(
    id CHAR(36) NOT NULL PRIMARY KEY,
    workspace VARCHAR(150) NOT NULL,
    name VARCHAR(255) NOT NULL,
    prefix VARCHAR(16) NOT NULL,
    key_hash CHAR(64) NOT NULL,
    created_at DATETIME(6) NOT NULL,
    last_updated_at DATETIME(6) NOT NULL,
    UNIQUE (key_hash)
) {table_options};
