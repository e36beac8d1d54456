//! A request body kept on disk as it arrives: ImportCustomers's file, which may be as large as `max_import_bytes`,
//! is never held in memory whole, so an import's memory does not grow with its file (docs/import.md).

use std::{
    fs::File,
    io::{self, Seek, Write},
};

use actix_web::web;
use futures_util::StreamExt;

use crate::error::ApiError;

/// The body of a request that takes a file: an unnamed temporary file (gone when the last handle is dropped) and
/// its length.
#[derive(Debug)]
pub struct Upload {
    file: File,
    len: u64,
}

impl Upload {
    /// The file from its start. Handles share one position: read through one at a time.
    pub fn reader(&self) -> io::Result<File> {
        let mut file = self.file.try_clone()?;
        file.rewind()?;
        Ok(file)
    }

    /// Its length in bytes.
    pub fn len(&self) -> u64 {
        self.len
    }

    /// Whether the body was empty.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }
}

/// Reads the body into a temporary file, up to `limit` bytes (past it, a 413 as for any body).
pub(super) async fn spool_body(mut payload: web::Payload, limit: usize) -> Result<Upload, ApiError> {
    let unwritable = |e: io::Error| ApiError::Internal(format!("keeping the request body: {e}"));
    let mut file = tempfile::tempfile().map_err(unwritable)?;
    let mut len = 0u64;
    while let Some(chunk) = payload.next().await {
        let chunk = chunk.map_err(|e| match e {
            actix_web::error::PayloadError::Overflow => ApiError::PayloadTooLarge { limit },
            other => ApiError::Binding { message: format!("could not read the request body: {other}"), errors: vec![] },
        })?;
        len += chunk.len() as u64;
        if len > limit as u64 {
            return Err(ApiError::PayloadTooLarge { limit });
        }
        // A local file's write lands in the page cache: as quick as the copy into memory it replaces.
        file.write_all(&chunk).map_err(unwritable)?;
    }
    Ok(Upload { file, len })
}
