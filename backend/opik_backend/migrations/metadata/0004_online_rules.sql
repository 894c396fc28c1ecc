-- Online evaluation: rules that score new traces, and (embedded mode, no Redis) the durable
-- queue of scoring events with the same semantics as the Redis stream.

CREATE TABLE IF NOT EXISTS online_rules
(
    id CHAR(36) NOT NULL PRIMARY KEY,
    workspace VARCHAR(150) NOT NULL,
    project_id CHAR(36) NOT NULL,
    name VARCHAR(255) NOT NULL,
    type VARCHAR(40) NOT NULL,
    sampling_rate DOUBLE NOT NULL,
    enabled INT NOT NULL,
    filters TEXT NOT NULL,
    code TEXT NOT NULL,
    created_at DATETIME(6) NOT NULL,
    last_updated_at DATETIME(6) NOT NULL
) {table_options};

CREATE TABLE IF NOT EXISTS online_events
(
    id CHAR(36) NOT NULL PRIMARY KEY,
    dedup_key VARCHAR(80) NOT NULL,
    payload TEXT NOT NULL,
    state VARCHAR(10) NOT NULL,
    deliveries INT NOT NULL,
    claimed_at DOUBLE NOT NULL,
    consumer VARCHAR(100) NOT NULL,
    last_error TEXT NOT NULL,
    created_at DATETIME(6) NOT NULL,
    UNIQUE (dedup_key)
) {table_options};
