-- Generations: counters that every write transaction bumps before it commits (`data` for customers, accounts and
-- settings; `auth` for users, links, sessions, API keys and accounts, which change what a user reaches). Caches
-- remember the generations they were filled at and are used only while both are unchanged, so a write through
-- any process is seen by the very next read through any other.
CREATE TABLE generations (
    id INTEGER PRIMARY KEY NOT NULL,
    data BIGINT NOT NULL,
    auth BIGINT NOT NULL
);
INSERT INTO generations (id, data, auth) VALUES (1, 1, 1);

-- Idempotency keys: the first answer to a create sent with an `Idempotency-Key` header, stored in the create's own
-- transaction, so that a retry with the same key and body gets that answer instead of a second customer.
CREATE TABLE idempotency_keys (
    user_id TEXT NOT NULL,
    idempotency_key TEXT NOT NULL,
    operation TEXT NOT NULL,
    request_digest TEXT NOT NULL,
    status INTEGER NOT NULL,
    response TEXT NOT NULL,
    date_created TEXT NOT NULL,
    PRIMARY KEY (user_id, idempotency_key)
);
CREATE INDEX idempotency_keys_created ON idempotency_keys (date_created);

-- Login throttling is kept per (user name, client address) and per address, with the time of the last failure
-- (the delay doubles with each failure past the free ones). Old rows, keyed by name alone, no longer apply.
DELETE FROM login_failures;
ALTER TABLE login_failures ADD COLUMN last_failure TEXT NOT NULL DEFAULT '';

-- A disabled user keeps its data and links but cannot sign in or use any credential.
ALTER TABLE users ADD COLUMN disabled BOOLEAN NOT NULL DEFAULT FALSE;

-- Customer data fields declared Unique: one row per (account, field, value) — the value as a SHA-256 of its
-- canonical JSON — so that the primary key refuses a second customer with the same value, race-free on both backends.
CREATE TABLE customer_unique_values (
    account_id TEXT NOT NULL,
    field TEXT NOT NULL,
    value_digest TEXT NOT NULL,
    customer_id TEXT NOT NULL REFERENCES customers (id) ON DELETE CASCADE,
    PRIMARY KEY (account_id, field, value_digest)
);
CREATE INDEX customer_unique_values_customer ON customer_unique_values (customer_id);
