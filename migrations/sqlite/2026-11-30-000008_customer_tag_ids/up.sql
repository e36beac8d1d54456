-- Each customer's tag ids, as a JSON array, on its own row: an export reads them with the row instead of asking
-- customer_tags for every customer (on SQLite that subquery was a quarter of the rows statement's time). The writes
-- keep it in step: every insert and update of a customer that sets tags writes both (crates/store/src/customers/
-- row.rs), and removing a tag from an account's catalogue recomputes it for that account's tagged customers.
-- customer_tags stays the source the filters read (by tag) and pages read (tags with their names).
ALTER TABLE customers ADD COLUMN tag_ids TEXT NOT NULL DEFAULT '[]';
UPDATE customers
SET tag_ids = (SELECT json_group_array(customer_tags.tag_id) FROM customer_tags
               WHERE customer_tags.customer_id = customers.id)
WHERE id IN (SELECT customer_id FROM customer_tags);
