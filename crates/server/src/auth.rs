//! Authentication: who is calling. Credentials (with failed-login throttling), HTTP Basic, session cookies
//! (`ss-id`/`ss-pid`, sessions in the database so any instance accepts any session), bearer JWTs (HS256, short
//! expiry) and API keys (`ak-…`). Passwords are argon2id; session ids and API keys are stored as SHA-256 digests.
//! Nothing here ever logs or returns a secret it did not just create for the caller.

use std::time::Duration;

use actix_web::{http::header, HttpRequest};
use argon2::{
    password_hash::{rand_core::OsRng, PasswordHash, PasswordHasher, PasswordVerifier, SaltString},
    Argon2,
};
use base64::Engine;
use canopy_domain::{access::Caller, Role};
use canopy_store::{Generations, Store, UserRecord};
use chrono::{SecondsFormat, Utc};
use rand::RngCore;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::{
    cache::{DependsOn, GenerationalCache},
    error::ApiError,
};

/// Authentication settings, resolved once at start.
#[derive(Clone)]
pub struct AuthConfig {
    /// HS256 key of bearer tokens. Every instance sharing a database must share it.
    pub jwt_secret: Vec<u8>,
    pub jwt_ttl: Duration,
    pub session_ttl: Duration,
    pub permanent_session_ttl: Duration,
    /// How long failed logins are remembered (the throttles' delays are `canopy_domain::throttle`'s).
    pub throttle_window: Duration,
}

impl std::fmt::Debug for AuthConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AuthConfig").field("jwt_secret", &"***").field("jwt_ttl", &self.jwt_ttl).finish()
    }
}

impl AuthConfig {
    pub fn new(jwt_secret: Vec<u8>) -> Self {
        Self {
            jwt_secret,
            jwt_ttl: Duration::from_secs(15 * 60),
            session_ttl: Duration::from_secs(14 * 24 * 3600),
            permanent_session_ttl: Duration::from_secs(28 * 24 * 3600),
            throttle_window: Duration::from_secs(15 * 60),
        }
    }

    /// A random key, for a single instance without a configured secret (its tokens die with it).
    pub fn random_secret() -> Vec<u8> {
        let mut key = vec![0u8; 32];
        rand::rng().fill_bytes(&mut key);
        key
    }
}

fn instant_text(after: Duration) -> String {
    let at = Utc::now() + chrono::Duration::from_std(after).unwrap_or_else(|_| chrono::Duration::zero());
    at.to_rfc3339_opts(SecondsFormat::Micros, true)
}

fn now_text() -> String {
    Utc::now().to_rfc3339_opts(SecondsFormat::Micros, true)
}

fn ago_text(before: Duration) -> String {
    let at = Utc::now() - chrono::Duration::from_std(before).unwrap_or_else(|_| chrono::Duration::zero());
    at.to_rfc3339_opts(SecondsFormat::Micros, true)
}

/// An argon2id hash of `password` (PHC string, salt included).
pub fn hash_password(password: &str) -> Result<String, ApiError> {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| ApiError::Internal(format!("password hashing failed: {e}")))
}

fn verify_password(password: &str, hash: &str) -> bool {
    PasswordHash::new(hash).is_ok_and(|parsed| Argon2::default().verify_password(password.as_bytes(), &parsed).is_ok())
}

/// A hash to verify against when the user does not exist, so that "no such user" takes as long as "wrong
/// password" and the timing reveals nothing.
fn decoy_hash() -> &'static str {
    static DECOY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DECOY.get_or_init(|| hash_password("decoy password that matches nothing").unwrap_or_default())
}

/// 15 random bytes, URL-safe base64: 20 characters, the shape of ServiceStack's session ids.
pub fn new_session_id() -> String {
    let mut bytes = [0u8; 15];
    rand::rng().fill_bytes(&mut bytes);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// `ak-` and 32 hex digits (128 random bits), the shape of ServiceStack's API keys.
pub fn new_api_key() -> String {
    let mut bytes = [0u8; 16];
    rand::rng().fill_bytes(&mut bytes);
    format!("ak-{}", bytes.iter().map(|b| format!("{b:02x}")).collect::<String>())
}

/// What the database keeps of a session id or an API key.
pub fn digest(secret: &str) -> String {
    Sha256::digest(secret.as_bytes()).iter().map(|b| format!("{b:02x}")).collect()
}

#[derive(Debug, Serialize, Deserialize)]
struct Claims {
    iss: String,
    sub: String,
    iat: i64,
    exp: i64,
    preferred_username: String,
    roles: Vec<String>,
}

const ISSUER: &str = "canopy";

pub fn issue_jwt(config: &AuthConfig, user: &UserRecord) -> Result<String, ApiError> {
    let now = Utc::now().timestamp();
    let claims = Claims {
        iss: ISSUER.into(),
        sub: user.id.clone(),
        iat: now,
        exp: now + config.jwt_ttl.as_secs() as i64,
        preferred_username: user.user_name.clone(),
        roles: user.roles.iter().map(|r| r.as_str().to_owned()).collect(),
    };
    jsonwebtoken::encode(
        &jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256),
        &claims,
        &jsonwebtoken::EncodingKey::from_secret(&config.jwt_secret),
    )
    .map_err(|e| ApiError::Internal(format!("token signing failed: {e}")))
}

/// The user id of a valid token and when it expires; `Ok(None)` for one that is not ours (a bad signature is
/// ignored, as ServiceStack does); an error for one of ours that has expired.
fn verify_jwt(config: &AuthConfig, token: &str) -> Result<Option<(String, String)>, ApiError> {
    let mut validation = jsonwebtoken::Validation::new(jsonwebtoken::Algorithm::HS256);
    validation.set_issuer(&[ISSUER]);
    validation.leeway = 5;
    match jsonwebtoken::decode::<Claims>(
        token,
        &jsonwebtoken::DecodingKey::from_secret(&config.jwt_secret),
        &validation,
    ) {
        Ok(data) => {
            let expires = chrono::DateTime::from_timestamp(data.claims.exp + validation.leeway as i64, 0)
                .unwrap_or_default()
                .to_rfc3339_opts(SecondsFormat::Micros, true);
            Ok(Some((data.claims.sub, expires)))
        }
        Err(e) if matches!(e.kind(), jsonwebtoken::errors::ErrorKind::ExpiredSignature) => {
            Err(ApiError::TokenException("Token has expired".into()))
        }
        Err(_) => Ok(None),
    }
}

/// Longest user name and password accepted at a login (user names are stored up to this length).
pub const MAX_USER_NAME_LENGTH: usize = canopy_domain::validation::MAX_NAME_LEN;
pub const MAX_PASSWORD_LENGTH: usize = 1_024;

/// Whether a login could possibly match a user: sane lengths and no NUL. Anything else is a wrong login (401),
/// answered before the database or the password hash sees it.
pub fn plausible_login(user_name: &str, password: &str) -> bool {
    user_name.chars().count() <= MAX_USER_NAME_LENGTH
        && password.len() <= MAX_PASSWORD_LENGTH
        && !user_name.contains('\0')
        && !password.contains('\0')
}

/// Checks a user name and password, with throttling (`canopy_domain::throttle`): failures are counted per (name,
/// client address) and per address; once an attempt owes a delay it is refused (429 with `Retry-After`) without
/// being checked. A success clears its (name, address) count; the address's count stays, so signing in to one's
/// own account does not buy more guesses at others.
pub fn check_credentials(
    store: &Store,
    config: &AuthConfig,
    user_name: &str,
    password: &str,
    address: &str,
) -> Result<UserRecord, ApiError> {
    use canopy_domain::throttle::{PER_ADDRESS, PER_NAME_AND_ADDRESS};
    let window_start = ago_text(config.throttle_window);
    let name_key = format!("name:{}@{address}", user_name.to_lowercase());
    let address_key = format!("address:{address}");
    let now = Utc::now();
    for (key, throttle) in [(&name_key, PER_NAME_AND_ADDRESS), (&address_key, PER_ADDRESS)] {
        let (failures, last) = store.login_failures(key, &window_start)?;
        let since_last = chrono::DateTime::parse_from_rfc3339(&last)
            .map(|last| (now - last.with_timezone(&Utc)).num_seconds().max(0) as u64)
            .unwrap_or(u64::MAX);
        let wait = throttle.wait_secs(failures.max(0) as u32, since_last);
        if wait > 0 {
            return Err(ApiError::TooManyRequests { retry_after_secs: wait });
        }
    }
    let user = store.user_by_name(user_name)?;
    let hash = user.as_ref().map_or_else(|| decoy_hash().to_owned(), |u| u.password_hash.clone());
    let valid = verify_password(password, &hash) && user.is_some();
    match user {
        Some(user) if valid => {
            store.clear_login_failures(&name_key)?;
            Ok(user)
        }
        _ => {
            store.record_login_failure(&[&name_key, &address_key], &window_start)?;
            Err(ApiError::Unauthorized("Invalid Username or Password".into()))
        }
    }
}

/// Starts a session for `user`; returns its id (which only the client keeps) and how long it lasts.
pub fn start_session(
    store: &Store,
    config: &AuthConfig,
    user: &UserRecord,
    remember: bool,
) -> Result<(String, Duration), ApiError> {
    let id = new_session_id();
    let ttl = if remember { config.permanent_session_ttl } else { config.session_ttl };
    store.create_session(&digest(&id), &user.id, remember, &instant_text(ttl))?;
    Ok((id, ttl))
}

/// The credentials a request carries, taken off it so that checking them can run on another thread.
#[derive(Debug, Clone, Default)]
pub struct Credentials {
    authorization: Option<String>,
    session: Option<String>,
    /// The client's address, for login throttling.
    address: String,
}

impl Credentials {
    pub fn of(req: &HttpRequest) -> Self {
        Self {
            authorization: req.headers().get(header::AUTHORIZATION).and_then(|v| v.to_str().ok()).map(str::to_owned),
            session: session_id(req),
            address: client_address(req),
        }
    }
}

/// The address of the peer that sent the request (the socket's, not a header any client can set). Behind a
/// reverse proxy every client shares the proxy's address, and the per-address throttle then applies to all of
/// them together (`docs/auth.md`).
pub fn client_address(req: &HttpRequest) -> String {
    req.peer_addr().map(|a| a.ip().to_string()).unwrap_or_else(|| "unknown".into())
}

/// The session id a request carries: `ss-opt=perm` means `ss-pid`, otherwise `ss-id` (also as `X-ss-id` headers).
pub fn session_id(req: &HttpRequest) -> Option<String> {
    let header_value = |name: &str| req.headers().get(name).and_then(|v| v.to_str().ok()).map(str::to_owned);
    let cookie =
        |name: &str| req.cookie(name).map(|c| c.value().to_owned()).or_else(|| header_value(&format!("x-{name}")));
    let permanent = cookie("ss-opt").is_some_and(|o| o.split(',').any(|v| v == "perm"));
    if permanent {
        cookie("ss-pid").or_else(|| cookie("ss-id"))
    } else {
        cookie("ss-id").or_else(|| cookie("ss-pid"))
    }
}

/// A signed-in user as the pipeline keeps it: the user (its password hash blanked: it is never needed after the
/// check and must not sit in a cache) and what it reaches.
#[derive(Debug)]
pub struct Signed {
    pub user: UserRecord,
    pub caller: Caller,
}

impl crate::cache::Weigh for std::sync::Arc<Signed> {
    fn weight(&self) -> usize {
        let ids = self.caller.managed_accounts.len()
            + self.caller.linked_customers.len()
            + self.caller.linked_accounts.len()
            + self.user.account_ids.len()
            + self.user.customer_ids.len();
        256 + 48 * ids
    }
}

/// A credential known to be good: whose it is, and until when (sessions).
#[derive(Debug, Clone)]
struct KnownCredential {
    user_id: String,
    expires: Option<String>,
}

impl crate::cache::Weigh for KnownCredential {
    fn weight(&self) -> usize {
        128
    }
}

/// The credential and caller caches. Both depend on the auth generation only: a change to any user, link,
/// session, key or account clears them, so a changed password, a revoked key, a logout or a role change takes
/// effect on the very next request, in every process.
pub struct AuthCaches {
    keyer: crate::cache::CacheKeyer,
    /// HMAC(password check | API key | session id) → the user it names. Only good credentials are kept.
    credentials: GenerationalCache<crate::cache::CredentialKey, KnownCredential>,
    /// User id → the signed-in user and its reach.
    signed: GenerationalCache<String, std::sync::Arc<Signed>>,
}

impl AuthCaches {
    /// `enabled: false` keeps nothing (every request reads the database).
    pub fn new(enabled: bool) -> Self {
        let budget = if enabled { 16 * 1024 * 1024 } else { 0 };
        Self {
            keyer: crate::cache::CacheKeyer::random(),
            credentials: GenerationalCache::new(DependsOn::Auth, budget),
            signed: GenerationalCache::new(DependsOn::Auth, budget),
        }
    }
}

/// Who a request comes from, and the generations read on its way in (the same read serves every cache of the
/// request).
pub struct Identity {
    pub generations: Generations,
    pub signed: Option<std::sync::Arc<Signed>>,
}

/// A credential looked up in the cache first; `check` runs (and its good answer is kept) on a miss.
fn remembered(
    caches: &AuthCaches,
    generations: Generations,
    parts: &[&[u8]],
    check: impl FnOnce() -> Result<Option<KnownCredential>, ApiError>,
) -> Result<Option<String>, ApiError> {
    let key = caches.keyer.key(parts);
    let known = match caches.credentials.get(generations, &key) {
        Some(hit) => Some(hit),
        None => {
            let found = check()?;
            if let Some(good) = &found {
                caches.credentials.put(generations, key, good.clone());
            }
            found
        }
    };
    let now = now_text();
    Ok(known.filter(|k| k.expires.as_deref().is_none_or(|expires| expires > now.as_str())).map(|k| k.user_id))
}

/// Who the request comes from, answered from the caches alone (no database, no password hashing), or `None` when
/// anything is missing from them. What an async worker may run without blocking.
pub fn identify_from_caches(
    credentials: &Credentials,
    caches: &AuthCaches,
    generations: Generations,
) -> Option<Identity> {
    let authorization = credentials.authorization.as_deref().unwrap_or("");
    let cached = |parts: &[&[u8]]| -> Option<String> {
        let known = caches.credentials.get(generations, &caches.keyer.key(parts))?;
        let now = now_text();
        known.expires.as_deref().is_none_or(|expires| expires > now.as_str()).then_some(known.user_id)
    };
    let user_id = if let Some(token) = authorization.strip_prefix("Bearer ").map(str::trim) {
        if token.starts_with("ak-") {
            cached(&[b"api-key", token.as_bytes()])?
        } else {
            cached(&[b"jwt", token.as_bytes()])?
        }
    } else if let Some(encoded) = authorization.strip_prefix("Basic ").map(str::trim) {
        let decoded = String::from_utf8(base64::engine::general_purpose::STANDARD.decode(encoded).ok()?).ok()?;
        let (user_name, password) = decoded.split_once(':').unwrap_or((decoded.as_str(), ""));
        cached(&[b"basic", user_name.to_lowercase().as_bytes(), password.as_bytes()])?
    } else if let Some(session) = &credentials.session {
        cached(&[b"session", session.as_bytes()])?
    } else {
        return Some(Identity { generations, signed: None });
    };
    let signed = caches.signed.get(generations, &user_id)?;
    Some(Identity { generations, signed: Some(signed) })
}

/// Who the request comes from, if anyone: bearer token (API key or JWT), HTTP Basic, or session cookie. One read
/// of the generations, then the caches; the database only on a miss.
pub fn identify(
    credentials: &Credentials,
    store: &Store,
    config: &AuthConfig,
    caches: &AuthCaches,
) -> Result<Identity, ApiError> {
    let generations = store.generations()?;
    let authorization = credentials.authorization.as_deref().unwrap_or("");
    let user_id = if let Some(token) = authorization.strip_prefix("Bearer ").map(str::trim) {
        if token.starts_with("ak-") {
            remembered(caches, generations, &[b"api-key", token.as_bytes()], || {
                Ok(store.api_key_user(&digest(token))?.map(|user_id| KnownCredential { user_id, expires: None }))
            })?
        } else {
            // A verified token is remembered until it expires, so its signature is checked once, not per request.
            let key = caches.keyer.key(&[b"jwt", token.as_bytes()]);
            match caches.credentials.get(generations, &key) {
                Some(known) if known.expires.as_deref().is_some_and(|expires| expires > now_text().as_str()) => {
                    Some(known.user_id)
                }
                // Not yet verified, or expired: verification answers (and says "expired" the way clients expect).
                _ => match verify_jwt(config, token)? {
                    Some((user_id, expires)) => {
                        let known = KnownCredential { user_id: user_id.clone(), expires: Some(expires) };
                        caches.credentials.put(generations, key, known);
                        Some(user_id)
                    }
                    None => None,
                },
            }
        }
    } else if let Some(encoded) = authorization.strip_prefix("Basic ").map(str::trim) {
        let decoded = base64::engine::general_purpose::STANDARD
            .decode(encoded)
            .ok()
            .and_then(|bytes| String::from_utf8(bytes).ok())
            .ok_or_else(|| ApiError::Unauthorized("malformed Basic credentials".into()))?;
        let (user_name, password) = decoded.split_once(':').unwrap_or((decoded.as_str(), ""));
        if !plausible_login(user_name, password) {
            return Err(ApiError::Unauthorized("Invalid Username or Password".into()));
        }
        // A password checked once is not hashed again (argon2 on every request would cap the service at a few
        // dozen requests a second); a wrong one is always checked, and throttled.
        let key_name = user_name.to_lowercase();
        remembered(caches, generations, &[b"basic", key_name.as_bytes(), password.as_bytes()], || {
            let user = check_credentials(store, config, user_name, password, &credentials.address)?;
            Ok(Some(KnownCredential { user_id: user.id, expires: None }))
        })?
    } else if let Some(session) = &credentials.session {
        remembered(caches, generations, &[b"session", session.as_bytes()], || {
            Ok(store
                .session_user(&digest(session), &now_text())?
                .map(|(user_id, expires)| KnownCredential { user_id, expires: Some(expires) }))
        })?
    } else {
        None
    };
    let signed = match user_id {
        Some(id) => signed(store, caches, generations, &id)?,
        None => None,
    };
    Ok(Identity { generations, signed })
}

fn signed(
    store: &Store,
    caches: &AuthCaches,
    generations: Generations,
    user_id: &str,
) -> Result<Option<std::sync::Arc<Signed>>, ApiError> {
    let key = user_id.to_owned();
    if let Some(hit) = caches.signed.get(generations, &key) {
        return Ok(Some(hit));
    }
    let Some(mut user) = store.user_by_id(user_id)? else { return Ok(None) };
    user.password_hash.clear();
    let caller = caller_of(store, &user)?;
    let signed = std::sync::Arc::new(Signed { user, caller });
    caches.signed.put(generations, key, signed.clone());
    Ok(Some(signed))
}

/// The access-decision view of a user: its roles and the accounts and customers they reach, read fresh.
pub fn caller_of(store: &Store, user: &UserRecord) -> Result<Caller, ApiError> {
    let managed_accounts =
        if user.roles.contains(&Role::Manager) { store.account_subtree_ids(&user.account_ids)? } else { Vec::new() };
    let linked_accounts = store.accounts_of_customers(&user.customer_ids)?;
    Ok(Caller {
        user_id: user.id.clone(),
        user_name: user.user_name.clone(),
        roles: user.roles.clone(),
        manager_access: user.manager_access,
        managed_accounts,
        linked_customers: user.customer_ids.clone(),
        linked_accounts,
    })
}
