-- Sorting by referenceId: an absent reference sorts first, as an empty key, so that one plain index serves the
-- sort on both backends (NULL ordering differs between them, and an IS NULL term defeats the index).
UPDATE customers SET reference_key = '' WHERE reference_key IS NULL;
CREATE INDEX customers_reference_sort ON customers (reference_key, id);
