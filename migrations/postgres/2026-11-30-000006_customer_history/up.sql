-- Every change to a customer, one row per member it changed, written in the change's own transaction. Rows keep
-- the customer's account id, so that a deleted customer's history stays readable by its account's managers; they
-- have no foreign keys, so that they outlive the customer (and the user who made the change). No primary key
-- either: nothing looks a row up by (change_id, position), and every index is paid for by every write
-- (docs/performance.md, "Customer history").
CREATE TABLE customer_history (
    change_id TEXT COLLATE "C" NOT NULL,
    position INTEGER NOT NULL,
    customer_id TEXT COLLATE "C" NOT NULL,
    account_id TEXT COLLATE "C" NOT NULL,
    changed_at TEXT COLLATE "C" NOT NULL,
    user_id TEXT,
    user_name TEXT,
    request_id TEXT,
    operation TEXT NOT NULL,
    member TEXT NOT NULL,
    old_value TEXT,
    new_value TEXT
);
-- One customer's history, newest first (changes of one instant by id, a change's members in order).
CREATE INDEX customer_history_by_customer
    ON customer_history (customer_id, changed_at DESC, change_id DESC, position);
-- Pruning by age.
CREATE INDEX customer_history_by_time ON customer_history (changed_at);
