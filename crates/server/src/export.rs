//! Writing a whole list of customers as it is read, in JSON, JSV or CSV, with bounded memory: [`CustomerExport`]
//! is the one export loop, behind the HTTP answer to `all=true`, `canopy export` and the export benchmark. The
//! envelope is ListResponse's (`items`, then the totals, which are known only at the end and so come after the
//! items).

use std::io::{self, Write};

use canopy_domain::{access::Caller, CustomerInfo};
use canopy_store::{CustomerQuery, Store, StoreError};
use canopy_wire::{csv::CsvWriter, flat::FlatCsvWriter, negotiation::Format};
use serde::Serialize;

use crate::{error::ApiError, view::View};

/// How many customers an export turns into values and writes at a time, however many it writes in all (on
/// PostgreSQL the store reads more rows per statement, see `Store::for_each_customer`).
pub const EXPORT_CHUNK: usize = 500;

/// Why an export stopped: the store could not read, effective values could not be resolved, or the output could
/// not be written (a client that went away).
#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Write(#[from] io::Error),
    #[error("effective values: {0}")]
    Effective(String),
    #[error("the customers changed during the export: column '{0}' is not in the header written first; export again")]
    ColumnsChanged(String),
}

/// What a streamed list of customers holds: the customers of a query, and with `include_effective` each one's
/// effective billing settings, app settings and schedule (`ListCustomers?all=true&includeEffective=true`).
#[derive(Debug, Clone)]
pub struct CustomerListing {
    pub query: CustomerQuery,
    pub include_effective: bool,
    /// Which members, and in CSV which style (`fields`, `csvStyle`); a flat view knows its columns already. Boxed:
    /// it would otherwise make every `Reply` the size of a stream's.
    pub view: Box<View>,
}

/// Every customer a query matches (its paging aside), encoded in one format and written out as it is read,
/// [`EXPORT_CHUNK`] customers at a time.
pub struct CustomerExport<'a> {
    query: &'a CustomerQuery,
    format: Format,
    prepare: Box<dyn FnMut(&mut CustomerInfo) + 'a>,
    progress: Box<dyn FnMut(u64) + 'a>,
    /// With effective values, resolved for this caller chunk by chunk (sources it may not see stay unnamed).
    effective_for: Option<&'a Caller>,
    /// Which members are written, and the CSV style; every member in ServiceStack's CSV unless told otherwise.
    view: Option<View>,
}

impl<'a> CustomerExport<'a> {
    pub fn new(query: &'a CustomerQuery, format: Format) -> Self {
        Self { query, format, prepare: Box::new(|_| {}), progress: Box::new(|_| {}), effective_for: None, view: None }
    }

    /// Writes only the members `view` names, in CSV in its style. A flat view must know its columns
    /// ([`View::with_map_keys`]) before the export starts: the header comes first.
    pub fn viewed(mut self, view: View) -> Self {
        self.view = Some(view);
        self
    }

    /// Changes each customer before it is written (the HTTP answer cuts out what lies beyond the caller's reach).
    pub fn preparing_each(mut self, prepare: impl FnMut(&mut CustomerInfo) + 'a) -> Self {
        self.prepare = Box::new(prepare);
        self
    }

    /// Hears how many customers have been written so far, after each chunk.
    pub fn reporting_progress(mut self, progress: impl FnMut(u64) + 'a) -> Self {
        self.progress = Box::new(progress);
        self
    }

    /// Writes each customer with its effective values (`effective`, after the declared members), resolved for
    /// `caller` one chunk at a time from the chunk, its ancestors and its accounts: memory stays bounded.
    pub fn with_effective_for(mut self, caller: &'a Caller) -> Self {
        self.effective_for = Some(caller);
        self
    }

    /// The CSV columns: the declared members of what each row is.
    fn columns(&self) -> Vec<String> {
        let mut columns = crate::reply::declared_columns::<CustomerInfo>();
        if self.effective_for.is_some() {
            columns.push("effective".into());
        }
        match &self.view {
            Some(view) => view.servicestack_columns(columns),
            None => columns,
        }
    }

    /// Reads the customers from `store` and writes them to `out`, envelope and all; answers `out`, flushed, and
    /// how many customers it holds. On an error, what was written so far is a truncated list, never a complete
    /// one.
    pub fn write_to<W: Write>(mut self, store: &Store, out: W) -> Result<(W, u64), ExportError> {
        let flat = self.view.as_ref().filter(|view| view.is_flat(self.format)).map(View::flat_columns);
        let mut writer = match flat {
            Some(columns) => {
                ListWriter::Flat { writer: FlatCsvWriter::new(out, columns), count: 0, header_of: self.view.clone() }
            }
            None => ListWriter::new(self.format, out, self.columns())?,
        };
        let plain = View::plain(crate::view::customer_layout(false));
        let view = self.view.as_ref().unwrap_or(&plain);
        let format = self.format;
        match self.effective_for {
            None => store.for_each_customer(self.query, EXPORT_CHUNK, |mut chunk| -> Result<(), ExportError> {
                for customer in &mut chunk {
                    (self.prepare)(customer);
                    writer.write(&view.shape(customer, format))?;
                }
                (self.progress)(writer.count());
                Ok(())
            })??,
            Some(caller) => store.for_each_customer_in_context(
                self.query,
                EXPORT_CHUNK,
                |chunk, (ancestors, accounts)| -> Result<(), ExportError> {
                    // Resolved on each customer's whole path, then redacted (with_effective redacts too).
                    let rows = crate::handlers::inheritance::with_effective(caller, chunk, ancestors, &accounts)
                        .map_err(|e| ExportError::Effective(e.to_string()))?;
                    for mut row in rows {
                        (self.prepare)(&mut row.customer);
                        writer.write(&view.shape(&row, format))?;
                    }
                    (self.progress)(writer.count());
                    Ok(())
                },
            )??,
        }
        let count = writer.count();
        Ok((writer.finish()?, count))
    }
}

/// The encoder under [`CustomerExport`]: one row at a time, in the envelope of a list.
enum ListWriter<W: Write> {
    Json {
        out: W,
        count: u64,
    },
    Jsv {
        out: W,
        count: u64,
        /// Each row is written here first (JSV is built as text), one buffer for the whole list.
        row: String,
    },
    Csv {
        writer: CsvWriter<W>,
        count: u64,
    },
    /// The flat spreadsheet style (`csvStyle=flat`): columns fixed before the first row.
    Flat {
        writer: FlatCsvWriter<W>,
        count: u64,
        /// The view whose first pass made the header: each row is held to it (`View::column_missing_in`).
        header_of: Option<View>,
    },
}

fn io_error(e: impl std::fmt::Display) -> io::Error {
    io::Error::other(e.to_string())
}

impl<W: Write> ListWriter<W> {
    /// `columns` are the CSV header: every member a row declares, so rows that omit empty members still line up.
    fn new(format: Format, mut out: W, columns: Vec<String>) -> io::Result<Self> {
        Ok(match format {
            Format::Json => {
                out.write_all(b"{\"items\":[")?;
                ListWriter::Json { out, count: 0 }
            }
            Format::Jsv => {
                out.write_all(b"{items:[")?;
                ListWriter::Jsv { out, count: 0, row: String::new() }
            }
            Format::Csv => ListWriter::Csv { writer: CsvWriter::with_columns(out, columns), count: 0 },
        })
    }

    fn write<T: Serialize>(&mut self, row: &T) -> Result<(), ExportError> {
        match self {
            ListWriter::Json { out, count } => {
                if *count > 0 {
                    out.write_all(b",")?;
                }
                serde_json::to_writer(&mut *out, row).map_err(io_error)?;
                *count += 1;
            }
            ListWriter::Jsv { out, count, row: text } => {
                text.clear();
                if *count > 0 {
                    text.push(',');
                }
                canopy_wire::jsv::append_to(text, row).map_err(io_error)?;
                out.write_all(text.as_bytes())?;
                *count += 1;
            }
            ListWriter::Csv { writer, count } => {
                writer.write_row(row).map_err(io_error)?;
                *count += 1;
            }
            ListWriter::Flat { writer, count, header_of } => {
                let value = serde_json::to_value(row).map_err(io_error)?;
                if let Some(column) = header_of.as_ref().and_then(|view| view.column_missing_in(&value)) {
                    return Err(ExportError::ColumnsChanged(column));
                }
                writer.write_value(&value)?;
                *count += 1;
            }
        }
        Ok(())
    }
    fn count(&self) -> u64 {
        match self {
            ListWriter::Json { count, .. }
            | ListWriter::Jsv { count, .. }
            | ListWriter::Csv { count, .. }
            | ListWriter::Flat { count, .. } => *count,
        }
    }

    /// Closes the envelope (the totals of an `all=true` list) and flushes.
    fn finish(self) -> io::Result<W> {
        let totals = |count: u64| (count, u64::from(count > 0));
        match self {
            ListWriter::Json { mut out, count } => {
                let (total, pages) = totals(count);
                write!(out, "],\"totalCount\":{total},\"totalPages\":{pages},\"hasMorePages\":false}}")?;
                out.flush()?;
                Ok(out)
            }
            ListWriter::Jsv { mut out, count, .. } => {
                let (total, pages) = totals(count);
                write!(out, "],totalCount:{total},totalPages:{pages},hasMorePages:False}}")?;
                out.flush()?;
                Ok(out)
            }
            ListWriter::Csv { writer, .. } => writer.finish().map_err(io_error),
            ListWriter::Flat { writer, .. } => writer.finish(),
        }
    }
}

/// The answer to `all=true` for a signed-in caller: the export runs on the blocking pool and its bytes arrive on the
/// returned channel. Each customer is redacted for `caller` as it is written: the pipeline starts every stream
/// here, so a streamed list cannot skip redaction any more than a page can. Errors after the first byte can no
/// longer change the status: they are logged and end the body abruptly (a truncated list, never a complete-looking
/// one).
pub fn stream_for_caller(
    store: Store,
    listing: CustomerListing,
    format: Format,
    caller: std::sync::Arc<Caller>,
) -> tokio::sync::mpsc::Receiver<Result<actix_web::web::Bytes, ApiError>> {
    let (tx, chunks) = tokio::sync::mpsc::channel(4);
    actix_web::rt::task::spawn_blocking(move || {
        let failure = tx.clone();
        let mut export = CustomerExport::new(&listing.query, format).preparing_each(|customer| caller.redact(customer));
        if listing.include_effective {
            export = export.with_effective_for(&caller);
        }
        export = export.viewed(*listing.view);
        let written = export.write_to(&store, ChunkSender::new(tx));
        if let Err(cause) = written.map_err(|e| e.to_string()) {
            tracing::warn!(cause, "streaming a customer list failed");
            let _ = failure.blocking_send(Err(ApiError::Internal(cause)));
        }
        crate::memory::release_freed_memory();
    });
    chunks
}

/// An `io::Write` that hands what is written to an async receiver in chunks of about `CHUNK` bytes. The channel is
/// bounded, so a slow client slows the reader down instead of filling memory; a client that went away makes the
/// next write fail, which stops the export.
struct ChunkSender {
    tx: tokio::sync::mpsc::Sender<Result<actix_web::web::Bytes, ApiError>>,
    buffer: Vec<u8>,
}

const CHUNK: usize = 64 * 1024;

impl ChunkSender {
    fn new(tx: tokio::sync::mpsc::Sender<Result<actix_web::web::Bytes, ApiError>>) -> Self {
        Self { tx, buffer: Vec::with_capacity(CHUNK) }
    }

    fn send_buffer(&mut self) -> io::Result<()> {
        if self.buffer.is_empty() {
            return Ok(());
        }
        let chunk = std::mem::replace(&mut self.buffer, Vec::with_capacity(CHUNK));
        self.tx
            .blocking_send(Ok(actix_web::web::Bytes::from(chunk)))
            .map_err(|_| io::Error::new(io::ErrorKind::BrokenPipe, "the client went away"))
    }
}

impl Write for ChunkSender {
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        self.write_all(data)?;
        Ok(data.len())
    }

    /// What the encoders call, a few bytes at a time: the default loops over `write`, which showed as 6 % of an
    /// export's CPU; this is one copy and one comparison.
    #[inline]
    fn write_all(&mut self, data: &[u8]) -> io::Result<()> {
        self.buffer.extend_from_slice(data);
        if self.buffer.len() >= CHUNK {
            self.send_buffer()?;
        }
        Ok(())
    }

    fn flush(&mut self) -> io::Result<()> {
        self.send_buffer()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn columns() -> Vec<String> {
        crate::reply::declared_columns::<CustomerInfo>()
    }

    fn customer(id: &str, name: &str) -> CustomerInfo {
        CustomerInfo {
            id: id.into(),
            account_id: "a".into(),
            name: name.into(),
            date_created: "2026-01-01T00:00:00.000000Z".into(),
            date_last_modified: "2026-01-01T00:00:00.000000Z".into(),
            ..CustomerInfo::default()
        }
    }

    #[test]
    fn a_streamed_json_list_reads_back_as_a_list_response() {
        let mut writer = ListWriter::new(Format::Json, Vec::new(), columns()).expect("starts");
        writer.write(&customer("c1", "One")).expect("writes");
        writer.write(&customer("c2", "Two, \"quoted\"")).expect("writes");
        let bytes = writer.finish().expect("finishes");
        let value: serde_json::Value = serde_json::from_slice(&bytes).expect("valid JSON");
        assert_eq!(value["items"][1]["name"], "Two, \"quoted\"");
        assert_eq!(value["totalCount"], 2);
        assert_eq!(value["hasMorePages"], false);
    }

    #[test]
    fn a_streamed_jsv_list_reads_back_with_our_reader() {
        let mut writer = ListWriter::new(Format::Jsv, Vec::new(), columns()).expect("starts");
        writer.write(&customer("c1", "One, with comma")).expect("writes");
        let bytes = writer.finish().expect("finishes");
        let value: serde_json::Value =
            canopy_wire::jsv::from_str(std::str::from_utf8(&bytes).expect("utf-8")).expect("valid JSV");
        assert_eq!(value["items"][0]["name"], "One, with comma");
    }

    #[test]
    fn an_empty_csv_list_still_has_its_header() {
        let bytes = ListWriter::new(Format::Csv, Vec::new(), columns()).expect("starts").finish().expect("finishes");
        let text = String::from_utf8(bytes).expect("utf-8");
        assert!(text.starts_with("id,accountId,accountName,parentCustomerId,breadcrumb,"), "{text}");
        assert!(text.ends_with("\r\n"));
    }
}
