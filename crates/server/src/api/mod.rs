//! The request pipeline, split by concern:
//! - [`operations`]: every operation declared once (name, description, routes, types, access, handler);
//! - [`routes`]: the route table derived from those declarations;
//! - [`pipeline`]: from a matched route to a written response (guard, answer cache, redaction, encoding, errors);
//! - [`params`]: reading the body and merging path, query, form and body into one set of members;
//! - [`upload`]: the body of an operation that takes a file, kept on disk as it arrives;
//! - [`context`]: what a handler receives ([`Request`], or [`Ctx`] for a signed-in caller);
//! - [`state`]: what every request can reach (store, limits, caches, metrics).
//!
//! Handlers only see a bound DTO and return a [`Reply`].

mod context;
mod operations;
mod params;
mod pipeline;
mod routes;
mod state;
mod upload;

pub use context::{Ctx, IfMatch, OperationName, Request, StatementCount};
pub use operations::{Access, Operation, Route, TypeVisitor, Verb};
pub use params::MAX_MEMBERS;
pub use pipeline::{handle, render_error};
pub use routes::{not_found, routes};
pub use state::{AnswerKey, AppState, Caches, Limits, Total};
pub use upload::Upload;

pub use crate::reply::{etag, Reply};
