-- Canopy's schema on SQLite. Text columns compare bytewise (BINARY), which the materialised-path ranges rely on.
CREATE TABLE accounts (
    id TEXT PRIMARY KEY NOT NULL,
    name TEXT NOT NULL,
    name_key TEXT NOT NULL,
    parent_account_id TEXT REFERENCES accounts (id),
    path TEXT NOT NULL,
    billing_settings TEXT,
    customer_fields TEXT NOT NULL DEFAULT '[]',
    date_created TEXT NOT NULL,
    date_last_modified TEXT NOT NULL,
    created_by TEXT,
    last_modified_by TEXT,
    version BIGINT NOT NULL DEFAULT 1,
    write_lock BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX accounts_path ON accounts (path);
CREATE INDEX accounts_name ON accounts (name_key, id);

CREATE TABLE tags (
    account_id TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    id TEXT NOT NULL,
    name TEXT NOT NULL,
    color TEXT NOT NULL,
    position INTEGER NOT NULL,
    PRIMARY KEY (account_id, id)
);

CREATE TABLE customers (
    id TEXT PRIMARY KEY NOT NULL,
    account_id TEXT NOT NULL REFERENCES accounts (id),
    parent_customer_id TEXT REFERENCES customers (id),
    path TEXT NOT NULL,
    name TEXT NOT NULL,
    name_key TEXT NOT NULL,
    reference_id TEXT,
    reference_key TEXT,
    is_staging BOOLEAN NOT NULL DEFAULT FALSE,
    data TEXT NOT NULL DEFAULT '{}',
    schedule TEXT,
    integration_data TEXT NOT NULL DEFAULT '{}',
    override_billing_settings BOOLEAN NOT NULL DEFAULT FALSE,
    billing_settings TEXT,
    override_app_settings BOOLEAN NOT NULL DEFAULT FALSE,
    app_settings TEXT,
    date_created TEXT NOT NULL,
    date_last_modified TEXT NOT NULL,
    created_by TEXT,
    last_modified_by TEXT,
    version BIGINT NOT NULL DEFAULT 1
);
CREATE UNIQUE INDEX customers_path ON customers (path);
CREATE UNIQUE INDEX customers_reference ON customers (account_id, reference_id);
CREATE INDEX customers_account_name ON customers (account_id, name_key, id);
CREATE INDEX customers_parent_name ON customers (parent_customer_id, name_key, id);
CREATE INDEX customers_name ON customers (name_key, id);
CREATE INDEX customers_created ON customers (date_created, id);
CREATE INDEX customers_modified ON customers (date_last_modified, id);

CREATE TABLE customer_tags (
    customer_id TEXT NOT NULL REFERENCES customers (id) ON DELETE CASCADE,
    account_id TEXT NOT NULL,
    tag_id TEXT NOT NULL,
    PRIMARY KEY (customer_id, tag_id),
    FOREIGN KEY (account_id, tag_id) REFERENCES tags (account_id, id) ON DELETE CASCADE
);
CREATE INDEX customer_tags_tag ON customer_tags (tag_id, customer_id);
