//! From a matched route to a written response: read the body, merge the request's members, run the operation
//! behind its guard (with the answer cache for cacheable reads), redact for the caller, encode once, and write the
//! reply or the error as `responseStatus` in the negotiated format.

use std::future::Future;

use actix_web::{
    http::{header, Method, StatusCode},
    web, HttpMessage, HttpRequest, HttpResponse,
};
use serde::de::DeserializeOwned;

use super::{
    context::{IfMatch, OperationName, StatementCount},
    params::{collect_params, read_body},
    upload::spool_body,
    AnswerKey, AppState, Ctx, Operation, Request,
};
use crate::{
    error::ApiError,
    negotiation::{self, Format},
    reply::{Answer, Reply},
    telemetry::RequestId,
};

/// Runs `op` for a request and writes its reply or error. Every operation's route ends here.
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
        // A file (ImportCustomers) has its own, larger limit, is kept on disk as it arrives, and is read by its
        // handler, not bound as members.
        let timed_out = |_| ApiError::RequestTimeout(deadline.as_secs());
        let (body, upload) = if op.takes_file() {
            let limit = state.limits.max_import_bytes;
            let upload =
                actix_web::rt::time::timeout(deadline, spool_body(payload, limit)).await.map_err(timed_out)??;
            (web::Bytes::new(), Some(std::sync::Arc::new(upload)))
        } else {
            let limit = state.limits.max_body_bytes;
            let body = actix_web::rt::time::timeout(deadline, read_body(payload, limit)).await.map_err(timed_out)??;
            (body.freeze(), None)
        };
        let params = collect_params(&req, &body, body_format)?;
        let if_match = req.headers().get(header::IF_MATCH).and_then(|v| v.to_str().ok()).map(IfMatch::parse);
        let request = Request {
            operation: op,
            state: state.get_ref().clone(),
            params,
            if_match,
            http: req.clone(),
            format,
            body,
            upload,
            statements,
        };
        op.run(request).await
    }
    .await;
    match result {
        Ok(answer) => render(answer),
        Err(error) => render_error(&req, error, format),
    }
}

/// A public operation: bind its DTO and run its handler on the request as it came.
pub(super) async fn run_public<D, H, F>(request: Request, handler: H) -> Result<Answer, ApiError>
where
    D: DeserializeOwned,
    H: FnOnce(Request, D) -> F,
    F: Future<Output = Result<Reply, ApiError>>,
{
    let (format, name) = (request.format, request.operation.name());
    let dto = request.bind::<D>()?;
    handler(request, dto).await?.encode(format, name)
}

/// A signed-in operation: authenticate, answer a cacheable read from the cache when the data has not changed since,
/// else bind the DTO, run the handler, and redact what it answers for the caller before it is encoded (so no
/// handler can forget redaction), keeping a cacheable answer for next time.
pub(super) async fn run_signed_in<D, H, F>(request: Request, handler: H) -> Result<Answer, ApiError>
where
    D: DeserializeOwned,
    H: FnOnce(Ctx, D) -> F,
    F: Future<Output = Result<Reply, ApiError>>,
{
    let (op, format) = (request.operation, request.format);
    // A key sent as a member sits in the URI, which the cache key holds: such answers are not cached, so no secret
    // is ever part of a cache key.
    let cacheable = op.cacheable()
        && request.http.method() == Method::GET
        && request.params.get(crate::auth::API_KEY_PARAM).is_none();
    let ctx = request.authenticate().await?;
    let key = cacheable.then(|| AnswerKey {
        user_id: ctx.caller.user_id.clone(),
        operation: op.name(),
        format,
        target: ctx.http.uri().to_string(),
        body: ctx.body.clone(),
    });
    let (caches, generations, caller) = (ctx.state.caches.clone(), ctx.generations, ctx.caller.clone());
    if let Some(hit) = key.as_ref().and_then(|key| caches.answers.get(generations, key)) {
        return Ok(Answer::Encoded { encoded: hit, cookies: Vec::new() });
    }
    let dto = ctx.bind::<D>()?;
    let store = ctx.state.store.clone();
    let answer = handler(ctx, dto).await?.encode_for(format, op.name(), &store, &caller)?;
    if let (Some(key), Answer::Encoded { encoded, .. }) = (key, &answer) {
        if encoded.status == StatusCode::OK {
            caches.answers.put(generations, key, encoded.clone());
        }
    }
    Ok(answer)
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

/// Writes an error as `responseStatus` in the negotiated format, encoded from its typed value like any reply.
/// Server faults are logged with the request id; their cause never reaches the client.
pub fn render_error(req: &HttpRequest, error: ApiError, format: Format) -> HttpResponse {
    if error.is_server_fault() {
        let request_id = req.extensions().get::<RequestId>().map(|id| id.0.clone()).unwrap_or_default();
        tracing::error!(request_id, cause = error.internal_cause().unwrap_or(""), "request failed");
    }
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
    match crate::reply::encode_error(&error.response_status(), format) {
        Ok(body) => response.content_type(format.content_type()).body(body),
        Err(cause) => {
            tracing::error!(cause, ?format, "an error response could not be written");
            HttpResponse::InternalServerError().finish()
        }
    }
}
