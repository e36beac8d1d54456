//! The integration suite: HTTP in, JSON out, through the real app and a real database. The same tests run on
//! SQLite (default) and on PostgreSQL (`CANOPY_TEST_POSTGRES=postgres://postgres@127.0.0.1:5432`).

mod access;
mod accounts;
mod accounts_list;
mod auth;
mod binding;
mod concurrency;
mod customers_by_reference;
mod customers_errors;
mod customers_list;
mod customers_write;
mod flat_csv;
mod formats;
mod history;
mod history_moves;
mod hostile;
mod import;
mod inheritance;
mod metadata;
mod processes;
mod support;
mod ui;
