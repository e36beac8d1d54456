-- Users, their links, sessions, API keys and login throttling. Secrets are stored only as hashes: passwords as
-- argon2id PHC strings, session ids and API keys as SHA-256 hex (both are long random values, so a fast hash is
-- enough to make a stolen table useless).
CREATE TABLE users (
    id TEXT PRIMARY KEY NOT NULL,
    user_name TEXT NOT NULL,
    user_name_key TEXT NOT NULL,
    email TEXT,
    display_name TEXT,
    password_hash TEXT NOT NULL,
    roles TEXT NOT NULL,
    manager_access TEXT NOT NULL DEFAULT 'ReadOnly',
    date_created TEXT NOT NULL
);
CREATE UNIQUE INDEX users_name ON users (user_name_key);

CREATE TABLE user_accounts (
    user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    account_id TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    PRIMARY KEY (user_id, account_id)
);

CREATE TABLE user_customers (
    user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    customer_id TEXT NOT NULL REFERENCES customers (id) ON DELETE CASCADE,
    PRIMARY KEY (user_id, customer_id)
);

CREATE TABLE sessions (
    id_hash TEXT PRIMARY KEY NOT NULL,
    user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    permanent BOOLEAN NOT NULL,
    date_created TEXT NOT NULL,
    expires TEXT NOT NULL
);
CREATE INDEX sessions_expires ON sessions (expires);

CREATE TABLE api_keys (
    key_hash TEXT PRIMARY KEY NOT NULL,
    user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    prefix TEXT NOT NULL,
    date_created TEXT NOT NULL
);

CREATE TABLE login_failures (
    user_name_key TEXT PRIMARY KEY NOT NULL,
    failures INTEGER NOT NULL,
    window_start TEXT NOT NULL
);
