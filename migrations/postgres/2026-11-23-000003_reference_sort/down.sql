DROP INDEX customers_reference_sort;
UPDATE customers SET reference_key = NULL WHERE reference_key = '';
