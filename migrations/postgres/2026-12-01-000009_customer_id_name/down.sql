DROP INDEX customers_id_name;
