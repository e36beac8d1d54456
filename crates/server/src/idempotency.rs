//! `Idempotency-Key` on creates: the first answer is stored with the create, in its transaction; a retry with the
//! same key and the same request gets that answer again and changes nothing; the same key with another request is
//! a 422. Keys belong to the user who sent them and are kept at least 24 hours (the store's retention).

use canopy_domain::ValidationErrors;
use canopy_store::{IdempotencyClaim, Recall};
use serde::de::DeserializeOwned;
use sha2::{Digest, Sha256};

use crate::{api::Ctx, error::ApiError};

pub const HEADER: &str = "idempotency-key";
/// Longest key accepted (a UUID is 36; ServiceStack clients and Stripe-style keys fit well within).
pub const MAX_KEY_LENGTH: usize = 255;

/// The request's claim on its key, if it sent one. The digest covers everything the answer depends on: the
/// operation, the path, the query, the body's type and the body.
pub fn claim(ctx: &Ctx) -> Result<Option<IdempotencyClaim>, ApiError> {
    let operation = ctx.operation.name();
    let Some(value) = ctx.http.headers().get(HEADER) else { return Ok(None) };
    let key = value
        .to_str()
        .ok()
        .map(str::trim)
        .filter(|k| !k.is_empty() && k.len() <= MAX_KEY_LENGTH && k.bytes().all(|b| b.is_ascii_graphic()))
        .ok_or_else(|| {
            ValidationErrors::single(
                "Idempotency-Key",
                "Invalid",
                format!("'Idempotency-Key' must be 1 to {MAX_KEY_LENGTH} visible ASCII characters."),
            )
        })?;
    let content_type =
        ctx.http.headers().get(actix_web::http::header::CONTENT_TYPE).map(|v| v.as_bytes()).unwrap_or_default();
    let mut digest = Sha256::new();
    let parts = [operation.as_bytes(), ctx.http.path().as_bytes(), ctx.http.query_string().as_bytes(), content_type];
    for part in parts {
        digest.update((part.len() as u64).to_le_bytes());
        digest.update(part);
    }
    match &ctx.upload {
        // A file on disk, read through as the body in memory would be hashed.
        Some(upload) => {
            digest.update(upload.len().to_le_bytes());
            let unreadable = |e: std::io::Error| ApiError::Internal(format!("reading the uploaded file: {e}"));
            let mut file = upload.reader().map_err(unreadable)?;
            let mut buffer = vec![0u8; 1 << 16];
            loop {
                let n = std::io::Read::read(&mut file, &mut buffer).map_err(unreadable)?;
                if n == 0 {
                    break;
                }
                digest.update(&buffer[..n]);
            }
        }
        None => {
            digest.update((ctx.body.len() as u64).to_le_bytes());
            digest.update(&ctx.body);
        }
    }
    let request_digest = digest.finalize().iter().map(|b| format!("{b:02x}")).collect();
    Ok(Some(IdempotencyClaim {
        user_id: ctx.caller.user_id.clone(),
        key: key.to_owned(),
        operation: operation.to_owned(),
        request_digest,
    }))
}

/// The stored answer to this claim, if the key was used for this very request; a 422 if it was used for another.
pub async fn replay<T: DeserializeOwned + Send + 'static>(
    ctx: &Ctx,
    claim: &Option<IdempotencyClaim>,
) -> Result<Option<T>, ApiError> {
    let Some(claim) = claim.clone() else { return Ok(None) };
    match ctx.store(move |s| s.recall::<T>(&claim)).await? {
        Recall::Fresh => Ok(None),
        Recall::Replay(answer) => Ok(Some(answer)),
        Recall::Mismatch => {
            Err(ApiError::IdempotencyKeyReused("this Idempotency-Key was already used for a different request".into()))
        }
    }
}

/// Runs a create that may race with a retry carrying the same key: the loser's transaction rolls back, and it
/// answers what the winner stored.
pub async fn settle<T: DeserializeOwned + Send + 'static>(
    ctx: &Ctx,
    claim: &Option<IdempotencyClaim>,
    outcome: Result<T, ApiError>,
) -> Result<T, ApiError> {
    match outcome {
        Err(ApiError::IdempotencyRace) => replay(ctx, claim).await?.ok_or(ApiError::IdempotencyRace),
        other => other,
    }
}
