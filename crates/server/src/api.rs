//! The request pipeline, in one place: which operation a route names, how its request is read (body, path,
//! query and form merged into its DTO) and how its reply or error is written in the negotiated format.
//! Handlers only see a bound DTO and return a [`Reply`].

use std::{cell::Cell, rc::Rc, sync::Arc};

use actix_web::{
    http::{header, Method, StatusCode},
    web, HttpMessage, HttpRequest, HttpResponse,
};
use canopy_domain::{
    access::{Caller, Reach},
    FieldError,
};
use canopy_store::{Actor, Generations, Scope, Store, StoreError};
use canopy_wire::{
    binding::{Params, BIND_ERROR_CODE},
    negotiation::{body_format, BodyFormat},
};
use futures_util::StreamExt;
use serde::de::DeserializeOwned;

pub use crate::reply::{etag, Reply};
use crate::{
    auth::{AuthCaches, Signed},
    cache::{DependsOn, GenerationalCache},
    error::ApiError,
    handlers,
    metrics::Metrics,
    negotiation::{self, Format},
    reply::{Answer, Encoded},
    telemetry::RequestId,
};

/// Limits on what one request may carry.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Largest request body, in bytes.
    pub max_body_bytes: usize,
    /// Memory for cached answers to reads, in bytes (0: none).
    pub answer_cache_bytes: usize,
    /// How long reading a request body may take: a client that stops sending is answered 408, not waited on for ever.
    pub body_deadline: std::time::Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_body_bytes: 1024 * 1024,
            answer_cache_bytes: 64 * 1024 * 1024,
            body_deadline: std::time::Duration::from_secs(30),
        }
    }
}

/// What every handler can reach: the store, the limits, the authentication settings, the caches and the metrics.
/// Cheap to clone.
#[derive(Clone)]
pub struct AppState {
    pub store: Store,
    pub limits: Limits,
    pub auth: crate::auth::AuthConfig,
    pub caches: Arc<Caches>,
    pub metrics: Arc<Metrics>,
}

impl AppState {
    pub fn new(store: Store, limits: Limits, auth: crate::auth::AuthConfig) -> Self {
        Self::with_caches(store, limits, auth, true)
    }

    /// `caching: false` reads everything from the database on every request (for measuring what caches save).
    pub fn with_caches(store: Store, limits: Limits, auth: crate::auth::AuthConfig, caching: bool) -> Self {
        Self {
            store,
            limits,
            auth,
            caches: Arc::new(Caches::new(caching, limits.answer_cache_bytes)),
            metrics: Arc::new(Metrics::new()),
        }
    }
}

/// Every cache of the process (see `cache` for why none can be stale).
pub struct Caches {
    pub auth: AuthCaches,
    /// Encoded answers to reads, per user and request.
    pub answers: GenerationalCache<AnswerKey, Encoded>,
    /// How many customers match a filter within a scope (`Debug` of both: no credential), so that paging through a
    /// list counts it once.
    pub totals: GenerationalCache<String, Total>,
}

/// A cached count.
#[derive(Debug, Clone, Copy)]
pub struct Total(pub u64);

impl crate::cache::Weigh for Total {
    fn weight(&self) -> usize {
        64
    }
}

impl Caches {
    fn new(enabled: bool, answer_bytes: usize) -> Self {
        Self {
            auth: AuthCaches::new(enabled),
            answers: GenerationalCache::new(DependsOn::DataAndAuth, if enabled { answer_bytes } else { 0 }),
            totals: GenerationalCache::new(DependsOn::DataAndAuth, if enabled { 4 * 1024 * 1024 } else { 0 }),
        }
    }
}

/// What an answer to a read depends on besides the data: who asks (reach and redaction are per user), the
/// operation, the format, and every request value (path, query and body). Never a credential.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct AnswerKey {
    user_id: String,
    operation: &'static str,
    format: Format,
    target: String,
    body: web::Bytes,
}

/// SQL statements a request has run so far, for `/metrics`; shared between the pipeline and the middleware.
#[derive(Debug, Clone, Default)]
pub struct StatementCount(pub Rc<Cell<u64>>);

impl StatementCount {
    fn add(&self, statements: u64) {
        self.0.set(self.0.get() + statements);
    }
}

/// The operation a request ran, for logs and `/metrics`.
#[derive(Debug, Clone, Copy)]
pub struct OperationName(pub &'static str);

/// Runs a blocking store call on the blocking pool and counts the statements it ran.
async fn blocking<T: Send + 'static>(
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

/// Every operation, by its ServiceStack request DTO name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Operation {
    ListCustomers,
    GetCustomer,
    NewCustomer,
    PatchCustomer,
    DeleteCustomer,
    SetCustomerStagingMode,
    ListAccounts,
    GetAccount,
    NewAccount,
    PatchAccount,
    DeleteAccount,
    GetSystemSettings,
    PatchSystemSettings,
    GetInheritedBillingSettings,
    GetInheritedAppSettings,
    GetInheritedSchedule,
    TestSchedule,
    Authenticate,
    GetAuthStatus,
    Logout,
    ListUsers,
    UpdateUser,
    DeleteUser,
    ListApiKeys,
    RevokeApiKey,
    GetAccessToken,
}

impl Operation {
    pub const ALL: [Operation; 26] = [
        Operation::ListCustomers,
        Operation::GetCustomer,
        Operation::NewCustomer,
        Operation::PatchCustomer,
        Operation::DeleteCustomer,
        Operation::SetCustomerStagingMode,
        Operation::ListAccounts,
        Operation::GetAccount,
        Operation::NewAccount,
        Operation::PatchAccount,
        Operation::DeleteAccount,
        Operation::GetSystemSettings,
        Operation::PatchSystemSettings,
        Operation::GetInheritedBillingSettings,
        Operation::GetInheritedAppSettings,
        Operation::GetInheritedSchedule,
        Operation::TestSchedule,
        Operation::Authenticate,
        Operation::GetAuthStatus,
        Operation::Logout,
        Operation::ListUsers,
        Operation::UpdateUser,
        Operation::DeleteUser,
        Operation::ListApiKeys,
        Operation::RevokeApiKey,
        Operation::GetAccessToken,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Operation::ListCustomers => "ListCustomers",
            Operation::GetCustomer => "GetCustomer",
            Operation::NewCustomer => "NewCustomer",
            Operation::PatchCustomer => "PatchCustomer",
            Operation::DeleteCustomer => "DeleteCustomer",
            Operation::SetCustomerStagingMode => "SetCustomerStagingMode",
            Operation::ListAccounts => "ListAccounts",
            Operation::GetAccount => "GetAccount",
            Operation::NewAccount => "NewAccount",
            Operation::PatchAccount => "PatchAccount",
            Operation::DeleteAccount => "DeleteAccount",
            Operation::GetSystemSettings => "GetSystemSettings",
            Operation::PatchSystemSettings => "PatchSystemSettings",
            Operation::GetInheritedBillingSettings => "GetInheritedBillingSettings",
            Operation::GetInheritedAppSettings => "GetInheritedAppSettings",
            Operation::GetInheritedSchedule => "GetInheritedSchedule",
            Operation::TestSchedule => "TestSchedule",
            Operation::Authenticate => "Authenticate",
            Operation::GetAuthStatus => "GetAuthStatus",
            Operation::Logout => "Logout",
            Operation::ListUsers => "ListUsers",
            Operation::UpdateUser => "UpdateUser",
            Operation::DeleteUser => "DeleteUser",
            Operation::ListApiKeys => "ListApiKeys",
            Operation::RevokeApiKey => "RevokeApiKey",
            Operation::GetAccessToken => "GetAccessToken",
        }
    }

    /// Reads whose answer depends only on the caller, the request and the stored data: their answers may be
    /// cached against the generations.
    pub fn cacheable(self) -> bool {
        matches!(
            self,
            Operation::ListCustomers
                | Operation::GetCustomer
                | Operation::ListAccounts
                | Operation::GetAccount
                | Operation::GetSystemSettings
                | Operation::GetInheritedBillingSettings
                | Operation::GetInheritedAppSettings
                | Operation::GetInheritedSchedule
        )
    }

    /// Predefined routes name the DTO case-insensitively, as ServiceStack matches them.
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|op| op.name().eq_ignore_ascii_case(name))
    }
}

/// A request on its way to a handler: its merged fields and the headers handlers care about.
pub struct Request {
    pub state: AppState,
    pub params: Params,
    pub if_match: Option<IfMatch>,
    pub http: HttpRequest,
    pub format: Format,
    /// The raw body, for the answer cache's key and idempotency digests.
    pub body: web::Bytes,
    pub statements: StatementCount,
}

/// A request from a signed-in user with one of Canopy's roles. Only [`Request::authenticate`] builds one, and
/// every operation but the `/auth` ones takes one, so no handler can forget the guard.
pub struct Ctx {
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
    pub statements: StatementCount,
}

impl Request {
    /// Who sent the request, if it carries valid credentials, and the generations read on the way.
    pub async fn identify(&self) -> Result<crate::auth::Identity, ApiError> {
        let (credentials, state) = (crate::auth::Credentials::of(&self.http), self.state.clone());
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
        Ok(Ctx {
            actor: Actor { user_id: Some(signed.caller.user_id.clone()) },
            caller: Arc::clone(&signed.caller),
            state: self.state,
            params: self.params,
            if_match: self.if_match,
            format: self.format,
            generations: identity.generations,
            http: self.http,
            body: self.body,
            statements: self.statements,
        })
    }

    pub fn bind<T: DeserializeOwned>(&self, dto: &str) -> Result<T, ApiError> {
        bind_params(&self.params, dto)
    }

    /// Runs a blocking call on the blocking pool, counting its statements.
    pub async fn blocking<T: Send + 'static>(
        &self,
        call: impl FnOnce() -> Result<T, ApiError> + Send + 'static,
    ) -> Result<T, ApiError> {
        blocking(&self.statements, call).await
    }
}

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
    fn parse(value: &str) -> Self {
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
    /// Builds the request DTO `T` (named `dto` in messages) from every source. Every bad value is reported,
    /// each naming its field.
    pub fn bind<T: DeserializeOwned>(&self, dto: &str) -> Result<T, ApiError> {
        bind_params(&self.params, dto)
    }

    /// What the caller reaches, as the store applies it inside its queries.
    pub fn scope(&self) -> Scope {
        match self.caller.reach() {
            Reach::Everything => Scope::All,
            Reach::Accounts(ids) => Scope::Accounts(ids),
            Reach::Subtrees { customers, .. } => Scope::Subtrees(customers),
        }
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

async fn dispatch(op: Operation, request: Request) -> Result<Answer, ApiError> {
    let format = request.format;
    match op {
        Operation::Authenticate => handlers::auth::authenticate(request).await?.encode(format, op.name()),
        Operation::GetAuthStatus => handlers::auth::status(request).await?.encode(format, op.name()),
        Operation::Logout => handlers::auth::logout(request).await?.encode(format, op.name()),
        Operation::GetAccessToken => handlers::auth::access_token(request).await?.encode(format, op.name()),
        guarded => {
            let cacheable = op.cacheable() && request.http.method() == Method::GET;
            let ctx = request.authenticate().await?;
            let key = cacheable.then(|| AnswerKey {
                user_id: ctx.caller.user_id.clone(),
                operation: op.name(),
                format,
                target: ctx.http.uri().to_string(),
                body: ctx.body.clone(),
            });
            let (answers, generations) = (ctx.state.caches.clone(), ctx.generations);
            if let Some(hit) = key.as_ref().and_then(|key| answers.answers.get(generations, key)) {
                return Ok(Answer::Encoded { encoded: hit, cookies: Vec::new() });
            }
            let answer = dispatch_guarded(guarded, ctx).await?.encode(format, op.name())?;
            if let (Some(key), Answer::Encoded { encoded, .. }) = (key, &answer) {
                if encoded.status == StatusCode::OK {
                    answers.answers.put(generations, key, encoded.clone());
                }
            }
            Ok(answer)
        }
    }
}

async fn dispatch_guarded(op: Operation, ctx: Ctx) -> Result<Reply, ApiError> {
    match op {
        Operation::Authenticate | Operation::GetAuthStatus | Operation::Logout | Operation::GetAccessToken => {
            Err(ApiError::Internal("an /auth operation reached the guarded dispatcher".into()))
        }
        Operation::ListCustomers => handlers::customers::list(ctx).await,
        Operation::GetCustomer => handlers::customers::get(ctx).await,
        Operation::NewCustomer => handlers::customers::create(ctx).await,
        Operation::PatchCustomer => handlers::customers::patch(ctx).await,
        Operation::DeleteCustomer => handlers::customers::delete(ctx).await,
        Operation::SetCustomerStagingMode => handlers::customers::set_staging(ctx).await,
        Operation::ListAccounts => handlers::accounts::list(ctx).await,
        Operation::GetAccount => handlers::accounts::get(ctx).await,
        Operation::NewAccount => handlers::accounts::create(ctx).await,
        Operation::PatchAccount => handlers::accounts::patch(ctx).await,
        Operation::DeleteAccount => handlers::accounts::delete(ctx).await,
        Operation::GetSystemSettings => handlers::settings::get(ctx).await,
        Operation::PatchSystemSettings => handlers::settings::patch(ctx).await,
        Operation::GetInheritedBillingSettings => handlers::inheritance::billing(ctx).await,
        Operation::GetInheritedAppSettings => handlers::inheritance::app_settings(ctx).await,
        Operation::GetInheritedSchedule => handlers::inheritance::schedule(ctx).await,
        Operation::TestSchedule => handlers::inheritance::test_schedule(ctx).await,
        Operation::ListUsers => handlers::users::list(ctx).await,
        Operation::UpdateUser => handlers::users::update(ctx).await,
        Operation::DeleteUser => handlers::users::delete(ctx).await,
        Operation::ListApiKeys => handlers::users::list_api_keys(ctx).await,
        Operation::RevokeApiKey => handlers::users::revoke_api_key(ctx).await,
    }
}

/// Reads the body, up to the limit.
async fn read_body(mut payload: web::Payload, limit: usize) -> Result<web::BytesMut, ApiError> {
    let mut body = web::BytesMut::new();
    while let Some(chunk) = payload.next().await {
        let chunk = chunk.map_err(|e| match e {
            actix_web::error::PayloadError::Overflow => ApiError::PayloadTooLarge { limit },
            other => ApiError::Binding { message: format!("could not read the request body: {other}"), errors: vec![] },
        })?;
        if body.len() + chunk.len() > limit {
            return Err(ApiError::PayloadTooLarge { limit });
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

fn content_type(req: &HttpRequest) -> String {
    req.headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(|v| v.split(';').next().unwrap_or("").trim().to_ascii_lowercase())
        .unwrap_or_default()
}

/// Most members one request may carry, over all its sources (a DTO has a few dozen): past it, a 400 before any
/// further work.
pub const MAX_MEMBERS: usize = 1_000;

fn not_utf8(error: canopy_wire::urlencoded::NotUtf8) -> ApiError {
    ApiError::Validation(canopy_domain::ValidationErrors::single(&error.0, "InvalidCharacter", error.to_string()))
}

fn too_many_members() -> ApiError {
    binding_error(format!("a request may carry at most {MAX_MEMBERS} members"))
}

fn binding_error(message: String) -> ApiError {
    ApiError::Binding { message, errors: vec![] }
}

/// Whether a Content-Type is a form (urlencoded or multipart): a form binds as form fields on every route,
/// predefined ones included, as ServiceStack binds it.
fn is_form(declared: &str) -> bool {
    matches!(body_format(declared), Some(BodyFormat::FormUrlEncoded | BodyFormat::Multipart))
}

/// Merges the body, then path values, the query string and form fields (later wins), as ServiceStack does on
/// user routes. Predefined routes read their body in the route's format whatever its Content-Type.
fn collect_params(req: &HttpRequest, body: &[u8], route_format: Option<Format>) -> Result<Params, ApiError> {
    let mut params = Params::new();
    let mut form_pairs = Vec::new();
    if !body.iter().all(u8::is_ascii_whitespace) {
        let declared = content_type(req);
        let kind = match route_format {
            Some(Format::Json) if !is_form(&declared) => Some(BodyFormat::Json),
            Some(Format::Jsv) if !is_form(&declared) => Some(BodyFormat::Jsv),
            // A JSON object sent without a usable Content-Type (fetch's text/plain default) is still JSON.
            _ if declared.is_empty() || declared == "text/plain" => Some(BodyFormat::Json),
            _ => body_format(&declared),
        };
        match kind {
            Some(BodyFormat::Json) => match serde_json::from_slice::<serde_json::Value>(body) {
                Ok(serde_json::Value::Object(map)) => params.add_json_object(map),
                // `null` is an empty request, filled from path and query (what the Python client sends for a
                // body-less patch_url).
                Ok(serde_json::Value::Null) => {}
                Ok(_) => return Err(binding_error("the JSON body must be an object".into())),
                Err(e) => return Err(binding_error(format!("Could not deserialize 'application/json' request: {e}"))),
            },
            Some(BodyFormat::Jsv) => {
                let text = std::str::from_utf8(body).map_err(|_| binding_error("the JSV body is not UTF-8".into()))?;
                params
                    .add_jsv_object(text, canopy_wire::jsv::Limits::DEFAULT)
                    .map_err(|e| binding_error(format!("Could not deserialize 'application/jsv' request: {e}")))?;
            }
            Some(BodyFormat::FormUrlEncoded) => {
                form_pairs = canopy_wire::urlencoded::parse(body).map_err(not_utf8)?;
            }
            Some(BodyFormat::Multipart) => {
                // The whole header: `content_type` dropped the boundary parameter.
                let with_boundary = req.headers().get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok());
                form_pairs = canopy_wire::multipart::parse(with_boundary.unwrap_or(""), body, MAX_MEMBERS)?;
            }
            Some(BodyFormat::Csv) | None => {
                return Err(ApiError::UnsupportedMediaType(format!(
                    "request bodies of type '{declared}' are not supported; send JSON, JSV or a form"
                )))
            }
        }
    }
    let query = canopy_wire::urlencoded::parse(req.query_string().as_bytes()).map_err(not_utf8)?;
    if query.len() + form_pairs.len() > MAX_MEMBERS {
        return Err(too_many_members());
    }
    params.add_source(query);
    params.add_source(form_pairs);
    // Path values last, so they win: `PATCH /customers/A?customerId=B` changes A, as the path (which proxies and
    // logs trust) says.
    let path_values: Vec<(&str, &str)> = req.match_info().iter().filter(|(name, _)| *name != "dto").collect();
    params.add_source(path_values.iter().copied());
    if params.len() > MAX_MEMBERS {
        return Err(too_many_members());
    }
    if let Some(field) = params.find_nul() {
        // No database keeps NUL in text. An id in the path with one names nothing: 404, as any unknown id.
        if path_values.iter().any(|(name, _)| *name == field) {
            return Err(ApiError::NotFound(format!("no {field} holds a NUL character")));
        }
        return Err(ApiError::Validation(canopy_domain::ValidationErrors::single(
            &field,
            "InvalidCharacter",
            format!("'{field}' must not contain a NUL character."),
        )));
    }
    Ok(params)
}

/// Runs `op` for a request and writes its reply or error. Every route ends here.
pub async fn handle(
    op: Operation,
    body_format: Option<Format>,
    req: HttpRequest,
    payload: web::Payload,
    state: web::Data<AppState>,
) -> HttpResponse {
    req.extensions_mut().insert(OperationName(op.name()));
    let format = match negotiation::negotiate(&req) {
        Ok(format) => format,
        Err(error) => return render_error(&req, error, Format::Json),
    };
    let statements = req.extensions().get::<StatementCount>().cloned().unwrap_or_default();
    let result = async {
        let deadline = state.limits.body_deadline;
        let body = actix_web::rt::time::timeout(deadline, read_body(payload, state.limits.max_body_bytes))
            .await
            .map_err(|_| ApiError::RequestTimeout(deadline.as_secs()))??
            .freeze();
        let params = collect_params(&req, &body, body_format)?;
        let if_match = req.headers().get(header::IF_MATCH).and_then(|v| v.to_str().ok()).map(IfMatch::parse);
        let request =
            Request { state: state.get_ref().clone(), params, if_match, http: req.clone(), format, body, statements };
        dispatch(op, request).await
    }
    .await;
    match result {
        Ok(answer) => render(answer),
        Err(error) => render_error(&req, error, format),
    }
}

fn render(answer: Answer) -> HttpResponse {
    match answer {
        Answer::NoContent => HttpResponse::NoContent().finish(),
        Answer::Stream { format, operation, chunks } => {
            let mut response = HttpResponse::Ok();
            response.content_type(format.content_type());
            if format == Format::Csv {
                response.insert_header((
                    header::CONTENT_DISPOSITION,
                    canopy_wire::negotiation::csv_content_disposition(operation),
                ));
            }
            let body = futures_util::stream::unfold(chunks, |mut chunks| async move {
                chunks.recv().await.map(|chunk| (chunk, chunks))
            });
            response.streaming(body)
        }
        Answer::Encoded { encoded, cookies } => {
            let mut response = HttpResponse::build(encoded.status);
            response.content_type(encoded.format.content_type());
            if encoded.format == Format::Csv {
                response.insert_header((
                    header::CONTENT_DISPOSITION,
                    canopy_wire::negotiation::csv_content_disposition(encoded.operation),
                ));
            }
            if let Some(tag) = encoded.etag {
                response.insert_header((header::ETAG, tag));
            }
            for cookie in cookies {
                response.cookie(cookie);
            }
            response.body(encoded.body)
        }
    }
}

/// Writes an error as `responseStatus` in the negotiated format. Server faults are logged with the request id;
/// their cause never reaches the client.
pub fn render_error(req: &HttpRequest, error: ApiError, format: Format) -> HttpResponse {
    if error.is_server_fault() {
        let request_id = req.extensions().get::<RequestId>().map(|id| id.0.clone()).unwrap_or_default();
        tracing::error!(request_id, cause = error.internal_cause().unwrap_or(""), "request failed");
    }
    let body = serde_json::to_value(error.response_status()).unwrap_or(serde_json::Value::Null);
    let mut response = HttpResponse::build(error.status());
    match &error {
        ApiError::Unauthorized(_) | ApiError::TokenException(_) => {
            response.insert_header((header::WWW_AUTHENTICATE, "credentials realm=\"/auth/credentials\""));
        }
        ApiError::TooManyRequests { retry_after_secs } => {
            response.insert_header((header::RETRY_AFTER, retry_after_secs.to_string()));
        }
        _ => {}
    }
    negotiation::write(&mut response, format, &body)
}

/// The route table: Evo Voice's user routes and ServiceStack's predefined routes.
pub fn routes(cfg: &mut web::ServiceConfig) {
    use Operation as Op;
    let user_routes: [(&str, actix_web::http::Method, Op); 31] = {
        use actix_web::http::Method as M;
        [
            // The literal /auth routes come before /auth/{provider}, which would match them too.
            ("/auth/logout", M::GET, Op::Logout),
            ("/access-token", M::POST, Op::GetAccessToken),
            ("/access-token", M::GET, Op::GetAccessToken),
            ("/auth/logout", M::POST, Op::Logout),
            ("/auth/status", M::GET, Op::GetAuthStatus),
            ("/auth", M::GET, Op::Authenticate),
            ("/auth", M::POST, Op::Authenticate),
            ("/auth/{provider}", M::POST, Op::Authenticate),
            ("/customers", M::GET, Op::ListCustomers),
            ("/customers", M::POST, Op::NewCustomer),
            ("/customers/{customerId}", M::GET, Op::GetCustomer),
            ("/customers/{customerId}", M::PATCH, Op::PatchCustomer),
            ("/customers/{customerId}", M::DELETE, Op::DeleteCustomer),
            ("/customers/{customerId}/staging", M::POST, Op::SetCustomerStagingMode),
            ("/customers/{customerId}/inherited-billing-settings", M::GET, Op::GetInheritedBillingSettings),
            ("/customers/{customerId}/inherited-app-settings", M::GET, Op::GetInheritedAppSettings),
            ("/customers/{customerId}/inherited-schedule", M::GET, Op::GetInheritedSchedule),
            ("/customers/{customerId}/test-schedule", M::POST, Op::TestSchedule),
            ("/accounts", M::GET, Op::ListAccounts),
            ("/accounts", M::POST, Op::NewAccount),
            ("/accounts/{accountId}", M::GET, Op::GetAccount),
            ("/accounts/{accountId}", M::PATCH, Op::PatchAccount),
            ("/accounts/{accountId}", M::DELETE, Op::DeleteAccount),
            ("/system/settings", M::GET, Op::GetSystemSettings),
            ("/system/settings", M::PATCH, Op::PatchSystemSettings),
            // Evo Voice publishes PatchSystemSettings with the verb "PATCHY"; POST is what such clients fall back to.
            ("/system/settings", M::POST, Op::PatchSystemSettings),
            ("/users", M::GET, Op::ListUsers),
            ("/users/{userName}", M::PATCH, Op::UpdateUser),
            ("/users/{userName}", M::DELETE, Op::DeleteUser),
            ("/apikeys", M::GET, Op::ListApiKeys),
            ("/apikeys/{id}", M::DELETE, Op::RevokeApiKey),
        ]
    };
    let mut paths: Vec<&str> = user_routes.iter().map(|(p, _, _)| *p).collect();
    paths.dedup();
    for path in paths {
        let mut resource = web::resource(path);
        for (_, method, op) in user_routes.iter().filter(|(p, _, _)| *p == path) {
            let op = *op;
            resource = resource.route(web::method(method.clone()).to(
                move |req: HttpRequest, payload: web::Payload, state: web::Data<AppState>| {
                    handle(op, None, req, payload, state)
                },
            ));
        }
        cfg.service(resource.default_service(web::to(method_not_allowed)));
    }
    for (prefix, format) in
        [("/json/reply", Some(Format::Json)), ("/jsv/reply", Some(Format::Jsv)), ("/csv/reply", Some(Format::Csv))]
    {
        cfg.route(
            &format!("{prefix}/{{dto}}"),
            web::to(move |req: HttpRequest, payload: web::Payload, state: web::Data<AppState>| {
                predefined(format, req, payload, state)
            }),
        );
    }
    cfg.route(
        "/api/{dto}",
        web::to(|req: HttpRequest, payload: web::Payload, state: web::Data<AppState>| {
            predefined(None, req, payload, state)
        }),
    );
    cfg.route("/health", web::get().to(handlers::health::health));
    cfg.route("/metrics", web::get().to(handlers::health::metrics));
}

/// `/json/reply/{Dto}`, `/api/{Dto}`: the operation is named in the path, its fields come from the query or body.
async fn predefined(
    format: Option<Format>,
    req: HttpRequest,
    payload: web::Payload,
    state: web::Data<AppState>,
) -> HttpResponse {
    // The format was negotiated before routing (`/api/X.csv` arrives here as `/api/X`); the route's own format only
    // says how to read a body.
    let name = req.match_info().get("dto").unwrap_or("").to_owned();
    match Operation::from_name(&name) {
        Some(op) => handle(op, Some(format.unwrap_or(Format::Json)), req, payload, state).await,
        None => {
            let format = negotiation::negotiate(&req).unwrap_or(Format::Json);
            render_error(
                &req,
                ApiError::MethodNotAllowed(format!("The operation '{name}' does not exist for this service")),
                format,
            )
        }
    }
}

async fn method_not_allowed(req: HttpRequest) -> HttpResponse {
    let format = negotiation::negotiate(&req).unwrap_or(Format::Json);
    render_error(
        &req,
        ApiError::MethodNotAllowed(format!("{} is not supported on {}", req.method(), req.path())),
        format,
    )
}

/// Unmatched paths: a 404 in the client's format rather than an empty body.
pub async fn not_found(req: HttpRequest) -> HttpResponse {
    let format = negotiation::negotiate(&req).unwrap_or(Format::Json);
    render_error(&req, ApiError::NotFound(format!("no route matches {}", req.path())), format)
}
