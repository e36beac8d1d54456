//! Idempotency keys: a create sent with an `Idempotency-Key` stores its answer in its own transaction, so a retry
//! (same user, same key) replays that answer instead of creating again. Keys live at least 24 hours.

use diesel::prelude::*;
use serde::{de::DeserializeOwned, Serialize};

use crate::{connection::AnyConnection, schema::idempotency_keys, Store, StoreError, StoreResult};

/// How long an answer is kept: a day is promised, two are kept.
const RETENTION: chrono::Duration = chrono::Duration::hours(48);

/// A create that a client may retry: who sent it, its key, and a digest of what it asked for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdempotencyClaim {
    pub user_id: String,
    pub key: String,
    pub operation: String,
    /// A digest of the request (operation, path, query and body), so a reused key with another request is told apart.
    pub request_digest: String,
}

/// What a key already holds.
#[derive(Debug, Clone, PartialEq)]
pub enum Recall<T> {
    /// Never used (or expired): go ahead.
    Fresh,
    /// Used for this very request: here is the answer it got.
    Replay(T),
    /// Used for a different request.
    Mismatch,
}

fn cutoff() -> String {
    crate::clock::text(crate::clock::now() - RETENTION)
}

/// Stores the answer to `claim` in the caller's transaction. Two requests racing with one key both get here; the
/// second fails with [`StoreError::IdempotencyRace`] and its transaction (its create) rolls back.
pub(crate) fn remember<T: Serialize>(
    conn: &mut AnyConnection,
    claim: &IdempotencyClaim,
    answer: &T,
) -> StoreResult<()> {
    let response = serde_json::to_string(answer).map_err(|e| StoreError::Corrupt(e.to_string()))?;
    diesel::delete(idempotency_keys::table.filter(idempotency_keys::date_created.lt(cutoff()))).execute(conn)?;
    diesel::insert_into(idempotency_keys::table)
        .values((
            idempotency_keys::user_id.eq(&claim.user_id),
            idempotency_keys::idempotency_key.eq(&claim.key),
            idempotency_keys::operation.eq(&claim.operation),
            idempotency_keys::request_digest.eq(&claim.request_digest),
            idempotency_keys::status.eq(200),
            idempotency_keys::response.eq(response),
            idempotency_keys::date_created.eq(crate::now_text()),
        ))
        .execute(conn)
        .map_err(|e| match e {
            diesel::result::Error::DatabaseError(diesel::result::DatabaseErrorKind::UniqueViolation, _) => {
                StoreError::IdempotencyRace
            }
            other => other.into(),
        })?;
    Ok(())
}

impl Store {
    /// What `claim`'s key holds for its user.
    pub fn recall<T: DeserializeOwned>(&self, claim: &IdempotencyClaim) -> StoreResult<Recall<T>> {
        let mut conn = self.conn()?;
        let found: Option<(String, String, String)> = idempotency_keys::table
            .find((&claim.user_id, &claim.key))
            .filter(idempotency_keys::date_created.ge(cutoff()))
            .select((idempotency_keys::operation, idempotency_keys::request_digest, idempotency_keys::response))
            .first(&mut *conn)
            .optional()?;
        Ok(match found {
            None => Recall::Fresh,
            Some((operation, digest, response)) if operation == claim.operation && digest == claim.request_digest => {
                Recall::Replay(serde_json::from_str(&response).map_err(|e| StoreError::Corrupt(e.to_string()))?)
            }
            Some(_) => Recall::Mismatch,
        })
    }
}
