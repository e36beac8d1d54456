ALTER TABLE customers DROP COLUMN tag_ids;
