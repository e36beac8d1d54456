//! Handlers: each binds its DTO, asks the store, and returns a reply. No SQL, no HTTP details, no rules of
//! their own (rules live in `canopy-domain`).

pub mod accounts;
pub mod auth;
pub mod customers;
pub mod health;
pub mod inheritance;
pub mod settings;
pub mod users;
