DROP TABLE customer_unique_values;
ALTER TABLE users DROP COLUMN disabled;
ALTER TABLE login_failures DROP COLUMN last_failure;
DROP TABLE idempotency_keys;
DROP TABLE generations;
