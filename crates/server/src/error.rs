//! The one error type of the HTTP API, its one mapping to status and `errorCode`, and its one rendering as
//! ServiceStack's `responseStatus`.

use actix_web::http::StatusCode;
use canopy_domain::{FieldError, ValidationErrors};
use canopy_store::StoreError;
use serde::Serialize;

/// Every way a request can fail. Each variant documents its status.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// 400: the request's values break a rule; each error names its field.
    #[error("{0}")]
    Validation(ValidationErrors),
    /// 400: a value could not be read as the type its field needs (query, form, path or body).
    #[error("{message}")]
    Binding { message: String, errors: Vec<FieldError> },
    /// 401: no valid credentials (or wrong ones at login).
    #[error("{0}")]
    Unauthorized(String),
    /// 401: a bearer token of ours that is no longer valid (expired).
    #[error("{0}")]
    TokenException(String),
    /// 403: the caller may see this but not do that (a role or a field rule), or named ids outside its scope.
    #[error("{message}")]
    Forbidden { field: Option<String>, message: String },
    /// 429: too many failed logins for this user name; try again later.
    #[error("too many failed logins; try again in {retry_after_secs} seconds")]
    TooManyRequests { retry_after_secs: u64 },
    /// 404: no such resource (or one outside the caller's scope: the two are indistinguishable).
    #[error("{0}")]
    NotFound(String),
    /// 405: the route exists, not with this verb; or a predefined route names no operation.
    #[error("{0}")]
    MethodNotAllowed(String),
    /// 409: the change conflicts with stored state (a duplicate, a customer with children).
    #[error("{message}")]
    Conflict { field: String, message: String },
    /// 422: an `Idempotency-Key` already used for a different request by this user.
    #[error("{0}")]
    IdempotencyKeyReused(String),
    /// 412: `If-Match` names a version that is no longer current.
    #[error("the resource was changed since it was read; fetch it again and retry")]
    PreconditionFailed,
    /// 408: the body did not arrive within the deadline.
    #[error("the request body did not arrive within {0} seconds")]
    RequestTimeout(u64),
    /// 413: the body is larger than the limit.
    #[error("the request body exceeds {limit} bytes")]
    PayloadTooLarge { limit: usize },
    /// 415: a body in a format we cannot read.
    #[error("{0}")]
    UnsupportedMediaType(String),
    /// 400: `?format=` names a format we do not speak.
    #[error("{0}")]
    UnknownFormat(String),
    /// 409, and only if a replay then finds nothing: another request with the same key committed first.
    #[error("another request with this Idempotency-Key was completed first")]
    IdempotencyRace,
    /// 500: a fault of ours. The cause is logged with the request id, never sent.
    #[error("internal error")]
    Internal(String),
    /// 503: the database cannot be reached right now.
    #[error("the service is temporarily unavailable")]
    Unavailable(String),
}

impl ApiError {
    pub fn status(&self) -> StatusCode {
        match self {
            ApiError::Validation(_) | ApiError::Binding { .. } | ApiError::UnknownFormat(_) => StatusCode::BAD_REQUEST,
            ApiError::Unauthorized(_) | ApiError::TokenException(_) => StatusCode::UNAUTHORIZED,
            ApiError::Forbidden { .. } => StatusCode::FORBIDDEN,
            ApiError::TooManyRequests { .. } => StatusCode::TOO_MANY_REQUESTS,
            ApiError::NotFound(_) => StatusCode::NOT_FOUND,
            ApiError::MethodNotAllowed(_) => StatusCode::METHOD_NOT_ALLOWED,
            ApiError::Conflict { .. } | ApiError::IdempotencyRace => StatusCode::CONFLICT,
            ApiError::PreconditionFailed => StatusCode::PRECONDITION_FAILED,
            ApiError::IdempotencyKeyReused(_) => StatusCode::UNPROCESSABLE_ENTITY,
            ApiError::PayloadTooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            ApiError::RequestTimeout(_) => StatusCode::REQUEST_TIMEOUT,
            ApiError::UnsupportedMediaType(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            ApiError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
            ApiError::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
        }
    }

    /// The top-level `errorCode`. For validation it is the first field error's code, as ServiceStack does.
    pub fn error_code(&self) -> String {
        match self {
            ApiError::Validation(errors) => {
                errors.0.first().map(|e| e.code.clone()).unwrap_or_else(|| "Invalid".into())
            }
            ApiError::Binding { .. } => "SerializationException".into(),
            ApiError::Unauthorized(_) => "Unauthorized".into(),
            ApiError::TokenException(_) => "TokenException".into(),
            ApiError::Forbidden { .. } => "Forbidden".into(),
            ApiError::TooManyRequests { .. } => "TooManyRequests".into(),
            ApiError::NotFound(_) => "NotFound".into(),
            ApiError::MethodNotAllowed(_) => "MethodNotAllowed".into(),
            ApiError::Conflict { .. } | ApiError::IdempotencyRace => "Conflict".into(),
            ApiError::PreconditionFailed => "PreconditionFailed".into(),
            ApiError::IdempotencyKeyReused(_) => "IdempotencyKeyReused".into(),
            ApiError::PayloadTooLarge { .. } => "RequestEntityTooLarge".into(),
            ApiError::RequestTimeout(_) => "RequestTimeout".into(),
            ApiError::UnsupportedMediaType(_) => "UnsupportedMediaType".into(),
            ApiError::UnknownFormat(_) => "UnknownFormat".into(),
            ApiError::Internal(_) => "InternalServerError".into(),
            ApiError::Unavailable(_) => "ServiceUnavailable".into(),
        }
    }

    fn field_errors(&self) -> Vec<ResponseError> {
        match self {
            ApiError::Validation(errors) => errors.0.iter().map(ResponseError::from).collect(),
            ApiError::Binding { errors, .. } => errors.iter().map(ResponseError::from).collect(),
            ApiError::Conflict { field, message } => {
                vec![ResponseError {
                    error_code: "Conflict".into(),
                    field_name: field.clone(),
                    message: message.clone(),
                }]
            }
            ApiError::Forbidden { field: Some(field), message } => {
                vec![ResponseError {
                    error_code: "Forbidden".into(),
                    field_name: field.clone(),
                    message: message.clone(),
                }]
            }
            ApiError::IdempotencyKeyReused(message) => vec![ResponseError {
                error_code: "IdempotencyKeyReused".into(),
                field_name: "Idempotency-Key".into(),
                message: message.clone(),
            }],
            ApiError::UnknownFormat(message) => vec![ResponseError {
                error_code: "UnknownFormat".into(),
                field_name: "format".into(),
                message: message.clone(),
            }],
            _ => Vec::new(),
        }
    }

    /// The public message. For validation it is the first field error's, as ServiceStack does.
    fn public_message(&self) -> String {
        match self {
            ApiError::Validation(errors) => errors.0.first().map(|e| e.message.clone()).unwrap_or_default(),
            other => other.to_string(),
        }
    }

    pub fn response_status(&self) -> ErrorResponse {
        ErrorResponse {
            response_status: ResponseStatus {
                error_code: self.error_code(),
                message: self.public_message(),
                errors: self.field_errors(),
            },
        }
    }

    /// Whether the cause must be logged (our faults, not the client's).
    pub fn is_server_fault(&self) -> bool {
        self.status().is_server_error()
    }

    /// The cause to log for a server fault; never sent to the client.
    pub fn internal_cause(&self) -> Option<&str> {
        match self {
            ApiError::Internal(cause) | ApiError::Unavailable(cause) => Some(cause),
            _ => None,
        }
    }
}

/// The body of every error answer (ServiceStack's).
#[derive(Debug, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ErrorResponse {
    /// What went wrong.
    pub response_status: ResponseStatus,
}

/// What went wrong (ServiceStack's ResponseStatus).
#[derive(Debug, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ResponseStatus {
    /// The error's code (`NotFound`, `Forbidden`, …); for a validation error, the first field error's code.
    pub error_code: String,
    /// What went wrong, in words; for a validation error, the first field error's message.
    pub message: String,
    /// The field errors; always present, empty when no field is at fault.
    pub errors: Vec<ResponseError>,
}

/// One field at fault.
#[derive(Debug, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ResponseError {
    /// Why the field is at fault (`NotEmpty`, `Length`, `InvalidValue`, …).
    pub error_code: String,
    /// The member's camelCase wire path, such as `schedule.rules[2].byMonthDay`.
    pub field_name: String,
    /// What is wrong with it, in words.
    pub message: String,
}

impl From<&FieldError> for ResponseError {
    fn from(e: &FieldError) -> Self {
        Self { error_code: e.code.clone(), field_name: e.field.clone(), message: e.message.clone() }
    }
}

impl From<ValidationErrors> for ApiError {
    fn from(errors: ValidationErrors) -> Self {
        ApiError::Validation(errors)
    }
}

impl From<StoreError> for ApiError {
    fn from(error: StoreError) -> Self {
        match error {
            StoreError::NotFound { entity, id } => ApiError::NotFound(format!("{entity} '{id}' was not found")),
            StoreError::Validation(errors) => ApiError::Validation(errors),
            StoreError::Conflict { field, message } => ApiError::Conflict { field, message },
            StoreError::PreconditionFailed => ApiError::PreconditionFailed,
            StoreError::Forbidden { field, message } => ApiError::Forbidden { field, message },
            StoreError::Pool(cause) => ApiError::Unavailable(cause),
            StoreError::Config(cause)
            | StoreError::Migration(cause)
            | StoreError::Corrupt(cause)
            | StoreError::Io(cause) => ApiError::Internal(cause),
            StoreError::Database(cause) => ApiError::Internal(cause.to_string()),
            StoreError::NestedConnection => ApiError::Internal(error.to_string()),
            StoreError::Busy => ApiError::Unavailable(error.to_string()),
            StoreError::IdempotencyRace => ApiError::IdempotencyRace,
        }
    }
}

/// A multipart body that cannot be bound. A file part and a value that is not UTF-8 name their part (as a form
/// field would be named); the rest is about the body as a whole, as for an unreadable JSON body.
impl From<canopy_wire::multipart::Error> for ApiError {
    fn from(error: canopy_wire::multipart::Error) -> Self {
        use canopy_wire::multipart::Error as Multipart;
        match &error {
            Multipart::FilePart { name } => {
                ApiError::Validation(ValidationErrors::single(name, "FileNotAccepted", error.to_string()))
            }
            Multipart::NotUtf8 { name } => {
                ApiError::Validation(ValidationErrors::single(name, "InvalidCharacter", error.to_string()))
            }
            Multipart::MissingBoundary | Multipart::Malformed(_) | Multipart::TooManyParts { .. } => {
                ApiError::Binding { message: error.to_string(), errors: Vec::new() }
            }
        }
    }
}

impl From<canopy_domain::access::Denied> for ApiError {
    fn from(denied: canopy_domain::access::Denied) -> Self {
        ApiError::Forbidden { field: denied.field.map(str::to_owned), message: denied.message }
    }
}
