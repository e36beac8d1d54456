DROP TABLE customer_tags;
DROP TABLE customers;
DROP TABLE tags;
DROP TABLE accounts;
