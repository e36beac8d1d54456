//! What handlers answer, and its one encoding: a typed value is written straight to bytes in the negotiated
//! format (no intermediate `serde_json::Value` for JSON or JSV), once, and the bytes are what the response cache
//! keeps. A list's CSV columns are the item type's declared members, in declared order, whether the list is a
//! page, empty or streamed (the streamed writer in `export` uses the same definition).

use actix_web::{cookie::Cookie, http::StatusCode, web::Bytes};
use canopy_domain::{access::Caller, AccountInfo, CustomerInfo};
use serde::{de::DeserializeOwned, Serialize};

use crate::{dto::ListResponse, error::ApiError, negotiation::Format};

/// What a reply must do before it leaves for a signed-in caller: hide what lies above the caller's reach (a
/// Customer user sees neither the reseller above its own customer nor that reseller's name). The pipeline calls it
/// on every reply of a signed-in operation, and [`Reply`] only takes values that implement it, so a new reply type
/// has to say what it redacts (most: nothing) and no handler can forget the call.
pub trait Redact {
    fn redact(&mut self, caller: &Caller);
}

impl Redact for CustomerInfo {
    fn redact(&mut self, caller: &Caller) {
        caller.redact(self);
    }
}

impl Redact for AccountInfo {
    fn redact(&mut self, caller: &Caller) {
        caller.redact_account(self);
    }
}

impl<T: Redact> Redact for Vec<T> {
    fn redact(&mut self, caller: &Caller) {
        self.iter_mut().for_each(|item| item.redact(caller));
    }
}

impl<T: Redact> Redact for ListResponse<T> {
    fn redact(&mut self, caller: &Caller) {
        self.items.redact(caller);
    }
}

/// Types that carry no customer or account: nothing to hide.
macro_rules! nothing_to_redact {
    ($($type:ty),* $(,)?) => {
        $(impl Redact for $type {
            fn redact(&mut self, _: &Caller) {}
        })*
    };
}

nothing_to_redact!(
    canopy_domain::SystemSettings,
    // Counts, row numbers and the ids of customers the caller itself just wrote.
    canopy_domain::import::ImportCustomersResponse,
    canopy_store::ApiKeyInfo,
    crate::dto::AuthenticateResponse,
    crate::dto::UserInfo,
    crate::dto::GetAccessTokenResponse,
    crate::dto::UserSummary,
    // Their source ids are decided with `Caller::visible_source` as they are built.
    crate::dto::InheritedBillingSettings,
    crate::dto::InheritedAppSettings,
    crate::dto::InheritedSchedule,
    crate::dto::TestScheduleResponse,
);

impl Redact for canopy_domain::history::CustomerHistoryEntry {
    fn redact(&mut self, caller: &Caller) {
        // As for the customer itself: a Customer user does not learn the parent above the customer it is linked to.
        // (The source ids of `effective.*` entries are withheld by the handler, which asks the store what the
        // caller reaches.)
        if self.member == "parentCustomerId" {
            if let canopy_domain::access::Reach::Subtrees { customers: roots, .. } = caller.reach() {
                if roots.contains(&self.customer_id) {
                    self.old_value = None;
                    self.new_value = None;
                }
            }
        }
    }
}

impl Redact for crate::dto::CustomerWithEffective {
    fn redact(&mut self, caller: &Caller) {
        // Sources were decided against the whole path when the effective values were resolved; the customer itself
        // is redacted here like any other.
        self.customer.redact(caller);
    }
}

/// A value that can write itself in any of the wire formats.
pub trait Encode: Send {
    fn encode(&self, format: Format) -> Result<Vec<u8>, String>;
    fn redact(&mut self, caller: &Caller);
}

/// An error's `responseStatus`, encoded like any reply (typed, straight to bytes; in CSV one row).
pub fn encode_error(status: &crate::error::ErrorResponse, format: Format) -> Result<Vec<u8>, String> {
    match format {
        Format::Json => json(status),
        Format::Jsv => jsv(status),
        Format::Csv => {
            let mut writer = canopy_wire::csv::CsvWriter::new(Vec::new());
            writer.write_row(status).map_err(|e| e.to_string())?;
            writer.finish().map_err(|e| e.to_string())
        }
    }
}

fn json<T: Serialize + ?Sized>(value: &T) -> Result<Vec<u8>, String> {
    serde_json::to_vec(value).map_err(|e| e.to_string())
}

fn jsv<T: Serialize + ?Sized>(value: &T) -> Result<Vec<u8>, String> {
    canopy_wire::jsv::to_string(value).map(String::into_bytes).map_err(|e| e.to_string())
}

/// One object: in CSV, one row whose columns are its members.
struct One<T>(T);

impl<T: Serialize + Redact + Send> Encode for One<T> {
    fn redact(&mut self, caller: &Caller) {
        self.0.redact(caller);
    }

    fn encode(&self, format: Format) -> Result<Vec<u8>, String> {
        match format {
            Format::Json => json(&self.0),
            Format::Jsv => jsv(&self.0),
            Format::Csv => {
                let mut writer = canopy_wire::csv::CsvWriter::new(Vec::new());
                writer.write_row(&self.0).map_err(|e| e.to_string())?;
                writer.finish().map_err(|e| e.to_string())
            }
        }
    }
}

/// A `ListResponse`: in CSV, its items as rows under fixed columns (a header even when empty).
struct List<T> {
    list: ListResponse<T>,
    columns: Vec<String>,
}

impl<T: Serialize + Redact + Send> Encode for List<T> {
    fn redact(&mut self, caller: &Caller) {
        self.list.redact(caller);
    }

    fn encode(&self, format: Format) -> Result<Vec<u8>, String> {
        match format {
            Format::Json => json(&self.list),
            Format::Jsv => jsv(&self.list),
            Format::Csv => {
                let mut writer = canopy_wire::csv::CsvWriter::with_columns(Vec::new(), self.columns.iter());
                for item in &self.list.items {
                    writer.write_row(item).map_err(|e| e.to_string())?;
                }
                writer.finish().map_err(|e| e.to_string())
            }
        }
    }
}

/// A list as a request's [`View`](crate::view::View) shows it (`fields`, `csvStyle`).
struct ViewedList<T> {
    list: ListResponse<T>,
    view: crate::view::View,
    columns: Vec<String>,
}

impl<T: Serialize + Redact + Send> Encode for ViewedList<T> {
    fn redact(&mut self, caller: &Caller) {
        self.list.redact(caller);
    }

    fn encode(&self, format: Format) -> Result<Vec<u8>, String> {
        self.view.encode_list(&self.list, format, self.columns.clone())
    }
}

/// One object as a request's [`View`](crate::view::View) shows it.
struct ViewedOne<T> {
    value: T,
    view: crate::view::View,
}

impl<T: Serialize + Redact + Send> Encode for ViewedOne<T> {
    fn redact(&mut self, caller: &Caller) {
        self.value.redact(caller);
    }

    fn encode(&self, format: Format) -> Result<Vec<u8>, String> {
        self.view.encode_one(&self.value, format)
    }
}

/// The members `T` declares, in order: a list's CSV columns.
pub fn declared_columns<T: DeserializeOwned>() -> Vec<String> {
    canopy_wire::csv::field_names::<T>().unwrap_or_default().iter().map(|name| (*name).to_owned()).collect()
}

/// What a handler answers.
pub enum Reply {
    Body {
        status: StatusCode,
        body: Box<dyn Encode>,
        etag: Option<String>,
        cookies: Vec<Cookie<'static>>,
    },
    NoContent,
    /// Every customer a query matches, streamed as it is read. The pipeline starts the stream
    /// (`export::stream_for_caller`), redacting each customer for the caller as it is written.
    AllCustomers(crate::export::CustomerListing),
}

pub fn etag(version: i64) -> String {
    format!("\"{version}\"")
}

impl Reply {
    pub fn ok<T: Serialize + Redact + Send + 'static>(value: T) -> Result<Self, ApiError> {
        Ok(Self::with_status(StatusCode::OK, value))
    }

    /// A list whose CSV columns are the members its item type declares.
    pub fn list<T: Serialize + DeserializeOwned + Redact + Send + 'static>(
        list: ListResponse<T>,
    ) -> Result<Self, ApiError> {
        Self::list_with_columns(list, declared_columns::<T>())
    }

    /// A list whose item type cannot name its members itself (a flattened struct): its CSV columns, given.
    pub fn list_with_columns<T: Serialize + Redact + Send + 'static>(
        list: ListResponse<T>,
        columns: Vec<String>,
    ) -> Result<Self, ApiError> {
        Ok(Reply::Body {
            status: StatusCode::OK,
            body: Box::new(List { list, columns }),
            etag: None,
            cookies: Vec::new(),
        })
    }

    /// A list shown as `view` says (its members, its CSV style); `columns` are its ServiceStack CSV columns when
    /// `fields` does not name them.
    pub fn viewed_list<T: Serialize + Redact + Send + 'static>(
        list: ListResponse<T>,
        columns: Vec<String>,
        view: crate::view::View,
    ) -> Result<Self, ApiError> {
        Ok(Reply::Body {
            status: StatusCode::OK,
            body: Box::new(ViewedList { list, view, columns }),
            etag: None,
            cookies: Vec::new(),
        })
    }

    /// One object shown as `view` says.
    pub fn viewed<T: Serialize + Redact + Send + 'static>(value: T, view: crate::view::View) -> Result<Self, ApiError> {
        Ok(Reply::Body {
            status: StatusCode::OK,
            body: Box::new(ViewedOne { value, view }),
            etag: None,
            cookies: Vec::new(),
        })
    }

    pub fn with_status<T: Serialize + Redact + Send + 'static>(status: StatusCode, value: T) -> Self {
        Reply::Body { status, body: Box::new(One(value)), etag: None, cookies: Vec::new() }
    }

    pub fn with_cookies(mut self, new: Vec<Cookie<'static>>) -> Self {
        if let Reply::Body { cookies, .. } = &mut self {
            cookies.extend(new);
        }
        self
    }

    pub fn with_etag(mut self, version: i64) -> Self {
        if let Reply::Body { etag: tag, .. } = &mut self {
            *tag = Some(etag(version));
        }
        self
    }

    /// Hides what lies above the caller's reach (see [`Redact`]); streams redact as they write.
    fn redact(&mut self, caller: &Caller) {
        if let Reply::Body { body, .. } = self {
            body.redact(caller);
        }
    }

    /// Writes the body in `format`, once. A stream needs the caller it is redacted for: see
    /// [`Reply::encode_for`].
    pub fn encode(self, format: Format, operation: &'static str) -> Result<Answer, ApiError> {
        Ok(match self {
            Reply::NoContent => Answer::NoContent,
            Reply::AllCustomers(_) => {
                return Err(ApiError::Internal(format!("{operation} streamed customers without a signed-in caller")))
            }
            Reply::Body { status, body, etag, cookies } => {
                let bytes = body.encode(format).map_err(|cause| {
                    ApiError::Internal(format!("the {operation} response could not be written as {format:?}: {cause}"))
                })?;
                Answer::Encoded {
                    encoded: Encoded { status, format, operation, body: Bytes::from(bytes), etag },
                    cookies,
                }
            }
        })
    }
}

impl Reply {
    /// Writes the body in `format` for a signed-in caller: a body is redacted for it and encoded once; a stream of
    /// customers is started, redacting each as it is written.
    pub fn encode_for(
        mut self,
        format: Format,
        operation: &'static str,
        store: &canopy_store::Store,
        caller: &std::sync::Arc<Caller>,
    ) -> Result<Answer, ApiError> {
        if let Reply::AllCustomers(listing) = self {
            let chunks = crate::export::stream_for_caller(store.clone(), listing, format, caller.clone());
            return Ok(Answer::Stream { format, operation, chunks });
        }
        self.redact(caller);
        self.encode(format, operation)
    }
}

/// A response body as it goes on the wire; cheap to clone (the bytes are shared), so the cache keeps these.
#[derive(Debug, Clone)]
pub struct Encoded {
    pub status: StatusCode,
    pub format: Format,
    pub operation: &'static str,
    pub body: Bytes,
    pub etag: Option<String>,
}

impl crate::cache::Weigh for Encoded {
    fn weight(&self) -> usize {
        self.body.len() + 128
    }
}

/// A reply after encoding: what the pipeline writes.
pub enum Answer {
    Encoded { encoded: Encoded, cookies: Vec<Cookie<'static>> },
    NoContent,
    Stream { format: Format, operation: &'static str, chunks: tokio::sync::mpsc::Receiver<Result<Bytes, ApiError>> },
}
