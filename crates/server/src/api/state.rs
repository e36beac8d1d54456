//! What every request can reach: the store, the limits, the authentication settings, the caches and the metrics.

use std::sync::Arc;

use actix_web::web;
use canopy_store::Store;

use crate::{
    auth::{AuthCaches, AuthConfig},
    cache::{DependsOn, GenerationalCache},
    metrics::Metrics,
    negotiation::Format,
    reply::Encoded,
};

/// Limits on what one request may carry.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Largest request body, in bytes.
    pub max_body_bytes: usize,
    /// Largest import file (the body of ImportCustomers), in bytes.
    pub max_import_bytes: usize,
    /// Memory for cached answers to reads, in bytes (0: none).
    pub answer_cache_bytes: usize,
    /// How long reading a request body may take: a client that stops sending is answered 408, not waited on for ever.
    pub body_deadline: std::time::Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_body_bytes: 1024 * 1024,
            // 100,000 exported customers with settings and schedules take about 150 MB of JSON.
            max_import_bytes: 256 * 1024 * 1024,
            answer_cache_bytes: 64 * 1024 * 1024,
            body_deadline: std::time::Duration::from_secs(30),
        }
    }
}

/// Cheap to clone.
#[derive(Clone)]
pub struct AppState {
    pub store: Store,
    pub limits: Limits,
    pub auth: AuthConfig,
    pub caches: Arc<Caches>,
    pub metrics: Arc<Metrics>,
}

impl AppState {
    pub fn new(store: Store, limits: Limits, auth: AuthConfig) -> Self {
        Self::with_caches(store, limits, auth, true)
    }

    /// `caching: false` reads everything from the database on every request (for measuring what caches save).
    pub fn with_caches(store: Store, limits: Limits, auth: AuthConfig, caching: bool) -> Self {
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
    pub(super) user_id: String,
    pub(super) operation: &'static str,
    pub(super) format: Format,
    pub(super) target: String,
    pub(super) body: web::Bytes,
}
