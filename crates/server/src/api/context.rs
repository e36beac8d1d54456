//! A request on its way to a handler: [`Request`] as it came, [`Ctx`] once its caller is signed in.

use std::{cell::Cell, rc::Rc, sync::Arc};

use actix_web::{web, HttpMessage, HttpRequest};
use canopy_domain::{
    access::{Caller, Reach},
    FieldError,
};
use canopy_store::{Actor, Generations, Store, StoreError};
use canopy_wire::binding::{Params, BIND_ERROR_CODE};
use serde::de::DeserializeOwned;

use super::{AppState, Operation, Upload};
use crate::{auth::Signed, error::ApiError, negotiation::Format};

/// SQL statements a request has run so far, for `/metrics`; shared between the pipeline and the middleware.
#[derive(Debug, Clone, Default)]
pub struct StatementCount(pub Rc<Cell<u64>>);

impl StatementCount {
    pub(super) fn add(&self, statements: u64) {
        self.0.set(self.0.get() + statements);
    }
}

/// The operation a request ran, for logs and `/metrics`.
#[derive(Debug, Clone, Copy)]
pub struct OperationName(pub &'static str);

/// Runs a blocking store call on the blocking pool and counts the statements it ran.
pub(super) async fn blocking<T: Send + 'static>(
    statements: &StatementCount,
    call: impl FnOnce() -> Result<T, ApiError> + Send + 'static,
) -> Result<T, ApiError> {
    let (result, ran) = web::block(move || {
        let before = canopy_store::statements_on_this_thread();
        let result = call();
        (result, canopy_store::statements_on_this_thread() - before)
    })
    .await
    .map_err(|e| ApiError::Internal(format!("blocking task failed: {e}")))?;
    statements.add(ran);
    result
}

/// A request on its way to a handler: its merged fields and the headers handlers care about.
pub struct Request {
    pub operation: Operation,
    pub state: AppState,
    pub params: Params,
    pub if_match: Option<IfMatch>,
    pub http: HttpRequest,
    pub format: Format,
    /// The raw body, for the answer cache's key and idempotency digests (empty for an operation that takes a file).
    pub body: web::Bytes,
    /// The body of an operation that takes a file, on disk.
    pub upload: Option<Arc<Upload>>,
    pub statements: StatementCount,
}

/// A request from a signed-in user with one of Canopy's roles. Only [`Request::authenticate`] builds one, and
/// every operation declared `SignedIn` takes one, so no handler can forget the guard.
pub struct Ctx {
    pub operation: Operation,
    pub state: AppState,
    pub params: Params,
    pub if_match: Option<IfMatch>,
    /// Shared with the caller cache: building a request's context copies no list of accounts or customers.
    pub caller: Arc<Caller>,
    pub actor: Actor,
    /// The negotiated response format, for handlers that stream their answer.
    pub format: Format,
    /// The generations read as the request came in.
    pub generations: Generations,
    pub http: HttpRequest,
    pub body: web::Bytes,
    pub upload: Option<Arc<Upload>>,
    pub statements: StatementCount,
}

impl Request {
    /// Who sent the request, if it carries valid credentials, and the generations read on the way.
    pub async fn identify(&self) -> Result<crate::auth::Identity, ApiError> {
        let state = self.state.clone();
        let mut credentials = crate::auth::Credentials::of(&self.http);
        if state.auth.api_key_in_params {
            credentials = credentials.with_api_key_param(self.params.get(crate::auth::API_KEY_PARAM));
        }
        // The common case (a known caller, on SQLite) needs no hop to the blocking pool: the generations are read
        // on this thread when that cannot wait, and the caller comes from the caches.
        let before = canopy_store::statements_on_this_thread();
        let inline = state.store.generations_without_waiting();
        self.statements.add(canopy_store::statements_on_this_thread() - before);
        if let Some(Ok(generations)) = inline {
            let known = crate::auth::identify_from_caches(&credentials, &state.caches.auth, generations);
            if let Some(identity) = known {
                return Ok(identity);
            }
        }
        blocking(&self.statements, move || {
            crate::auth::identify(&credentials, &state.store, &state.auth, &state.caches.auth)
        })
        .await
    }

    /// The signed-in user, if any.
    pub async fn signed(&self) -> Result<Option<Arc<Signed>>, ApiError> {
        Ok(self.identify().await?.signed)
    }

    /// 401 without valid credentials; 403 for a user without any of Canopy's roles.
    pub async fn authenticate(self) -> Result<Ctx, ApiError> {
        let identity = self.identify().await?;
        let signed = identity.signed.ok_or_else(|| ApiError::Unauthorized("Not Authenticated".into()))?;
        if signed.user.roles.is_empty() {
            return Err(ApiError::Forbidden {
                field: None,
                message: "one of the roles SystemAdministrator, Manager or Customer is required".into(),
            });
        }
        let request_id = self.http.extensions().get::<crate::telemetry::RequestId>().map(|id| id.0.clone());
        Ok(Ctx {
            operation: self.operation,
            actor: Actor {
                user_id: Some(signed.caller.user_id.clone()),
                user_name: Some(signed.caller.user_name.clone()),
                request_id,
                operation: Some(self.operation.name().to_owned()),
            },
            caller: Arc::clone(&signed.caller),
            state: self.state,
            params: self.params,
            if_match: self.if_match,
            format: self.format,
            generations: identity.generations,
            http: self.http,
            body: self.body,
            upload: self.upload,
            statements: self.statements,
        })
    }

    /// Builds `T` from every source of the request; errors name the operation's DTO (see [`bind_params`]).
    pub fn bind<T: DeserializeOwned>(&self) -> Result<T, ApiError> {
        bind_params(&self.params, self.operation.name())
    }

    /// Runs a blocking call on the blocking pool, counting its statements.
    pub async fn blocking<T: Send + 'static>(
        &self,
        call: impl FnOnce() -> Result<T, ApiError> + Send + 'static,
    ) -> Result<T, ApiError> {
        blocking(&self.statements, call).await
    }
}

/// Builds `T` from merged request values. Every bad value is reported, each naming its field; the message names
/// the operation's DTO, as ServiceStack's does.
fn bind_params<T: DeserializeOwned>(params: &Params, dto: &str) -> Result<T, ApiError> {
    canopy_wire::binding::bind(params).map_err(|e| ApiError::Binding {
        message: e.message(dto),
        errors: e.errors.iter().map(|f| FieldError::new(&f.field, BIND_ERROR_CODE, f.message.clone())).collect(),
    })
}

/// The `If-Match` header: `*`, or the version a client last read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IfMatch {
    Any,
    Version(i64),
    /// A tag we never issued: matches nothing.
    Unknown,
}

impl IfMatch {
    pub(super) fn parse(value: &str) -> Self {
        let value = value.trim();
        if value == "*" {
            return IfMatch::Any;
        }
        let tag = value.strip_prefix("W/").unwrap_or(value).trim_matches('"');
        tag.parse().map(IfMatch::Version).unwrap_or(IfMatch::Unknown)
    }

    /// The version the store must find, if any; an unknown tag can never match.
    pub fn expected_version(this: Option<Self>) -> Option<i64> {
        match this {
            None | Some(IfMatch::Any) => None,
            Some(IfMatch::Version(v)) => Some(v),
            Some(IfMatch::Unknown) => Some(-1),
        }
    }
}

impl Ctx {
    /// Builds another view `T` of the same request values (an operation whose members split over two types).
    pub fn bind<T: DeserializeOwned>(&self) -> Result<T, ApiError> {
        bind_params(&self.params, self.operation.name())
    }

    /// What the caller reaches, as the store applies it inside its queries.
    pub fn reach(&self) -> Reach {
        self.caller.reach()
    }

    /// Runs a store call on the blocking pool (the store's calls block on the database), counting its statements.
    pub async fn store<T, F>(&self, call: F) -> Result<T, ApiError>
    where
        T: Send + 'static,
        F: FnOnce(&Store) -> Result<T, StoreError> + Send + 'static,
    {
        let store = self.state.store.clone();
        blocking(&self.statements, move || call(&store).map_err(ApiError::from)).await
    }
}
