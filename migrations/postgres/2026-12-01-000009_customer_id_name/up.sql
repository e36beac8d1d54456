-- Each customer's id with its name, in an index of their own: a walk over whole accounts first reads the name of
-- every customer with children (the breadcrumbs it will build), and from the table that meant reading every page
-- of it, documents and all. The name rides along as a non-key column, so the read is an index-only scan of a
-- vacuumed table. Writes pay one more index entry.
CREATE INDEX customers_id_name ON customers (id) INCLUDE (name);
