-- The history table clustered by what reads it (one customer's changes, newest first) and without the index by
-- time: each write that records history then touches one more B-tree page instead of three, which is what kept
-- SQLite writes with history under 0.8x the rate without (docs/performance.md, "Customer history"). Pruning by age
-- scans the table instead (at start-up and once a day with a retention set, and from `canopy history prune`): about
-- half a second for 570,000 rows. PostgreSQL keeps its heap table and both indexes: it met the target with them.
CREATE TABLE customer_history_clustered (
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
    new_value TEXT,
    PRIMARY KEY (customer_id, changed_at DESC, change_id DESC, position)
) WITHOUT ROWID;
INSERT INTO customer_history_clustered SELECT * FROM customer_history;
DROP TABLE customer_history;
ALTER TABLE customer_history_clustered RENAME TO customer_history;
