CREATE TABLE customer_history_heap (
    change_id TEXT NOT NULL,
    position INTEGER NOT NULL,
    customer_id TEXT NOT NULL,
    account_id TEXT NOT NULL,
    changed_at TEXT NOT NULL,
    user_id TEXT,
    user_name TEXT,
    request_id TEXT,
    operation TEXT NOT NULL,
    member TEXT NOT NULL,
    old_value TEXT,
    new_value TEXT
);
INSERT INTO customer_history_heap SELECT * FROM customer_history;
DROP TABLE customer_history;
ALTER TABLE customer_history_heap RENAME TO customer_history;
CREATE INDEX customer_history_by_customer
    ON customer_history (customer_id, changed_at DESC, change_id DESC, position);
CREATE INDEX customer_history_by_time ON customer_history (changed_at);
