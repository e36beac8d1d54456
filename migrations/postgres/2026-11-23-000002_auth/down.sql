DROP TABLE login_failures;
DROP TABLE api_keys;
DROP TABLE sessions;
DROP TABLE user_customers;
DROP TABLE user_accounts;
DROP TABLE users;
