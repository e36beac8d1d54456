DROP TABLE customer_history;
