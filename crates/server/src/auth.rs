//! Authentication: who is calling. Credentials (with failed-login throttling), HTTP Basic, session cookies
//! (`ss-id`/`ss-pid`, sessions in the database so any instance accepts any session), bearer JWTs (HS256, short
//! expiry) and API keys (`ak-…`). Passwords are argon2id; session ids and API keys are stored as SHA-256 digests.
//! Nothing here ever logs or returns a secret it did not just create for the caller.

use std::borrow::Cow;
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
    /// Whether an API key may come as an `apikey` query or form member (ServiceStack's `AllowInHttpParams`). Off by
    /// default: a URL is written to access logs, proxies and browser history, and sent on in `Referer` headers.
    pub api_key_in_params: bool,
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
            api_key_in_params: false,
        }
    }

    /// A random key, for a single instance without a configured secret (its tokens die with it).
    pub fn random_secret() -> Vec<u8> {
        let mut key = vec![0u8; 32];
        rand::rng().fill_bytes(&mut key);
        key
    }
}

use canopy_store::clock::{now_text, text_after as instant_text, text_before as ago_text};

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
    /// The session the token was issued for (the digest the database keys it by): the token is good only while
    /// that session lasts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    sid: Option<String>,
    /// `refresh` for a refresh token, which is good only at `/access-token` (never as a bearer token); absent for
    /// an access token, which is good only as a bearer token.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    typ: Option<String>,
}

const REFRESH: &str = "refresh";

/// A refresh token for a session: exchanged at `/access-token` for a new bearer token while the session lasts
/// (ServiceStack's clients do that by themselves on a 401), and worthless once the session ends.
pub fn issue_refresh_token(config: &AuthConfig, user: &UserRecord, session: &SessionRef) -> Result<String, ApiError> {
    let ends = chrono::DateTime::parse_from_rfc3339(&session.expires)
        .map_err(|e| ApiError::Internal(format!("a session's expiry is unreadable: {e}")))?;
    let claims = Claims {
        iss: ISSUER.into(),
        sub: user.id.clone(),
        iat: canopy_store::clock::now().timestamp(),
        exp: ends.timestamp(),
        preferred_username: user.user_name.clone(),
        roles: Vec::new(),
        sid: Some(session.digest.clone()),
        typ: Some(REFRESH.into()),
    };
    sign(config, &claims)
}

/// The session and user a refresh token names, if it is ours, unexpired, and its session still exists.
pub fn redeem_refresh_token(
    store: &Store,
    config: &AuthConfig,
    token: &str,
) -> Result<Option<(UserRecord, SessionRef)>, ApiError> {
    let Some(claims) = decode(config, token)? else { return Ok(None) };
    let (Some(REFRESH), Some(sid)) = (claims.typ.as_deref(), claims.sid) else { return Ok(None) };
    let Some((user_id, expires)) = store.session_user(&sid, &now_text())? else { return Ok(None) };
    if user_id != claims.sub {
        return Ok(None);
    }
    let user = store.user_by_id(&user_id)?.filter(|u| !u.disabled);
    Ok(user.map(|user| (user, SessionRef { digest: sid, expires })))
}

fn sign(config: &AuthConfig, claims: &Claims) -> Result<String, ApiError> {
    jsonwebtoken::encode(
        &jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256),
        claims,
        &jsonwebtoken::EncodingKey::from_secret(&config.jwt_secret),
    )
    .map_err(|e| ApiError::Internal(format!("token signing failed: {e}")))
}

/// The claims of a token of ours; `Ok(None)` for one that is not (a bad signature is ignored, as ServiceStack
/// does); an error for one of ours that has expired.
fn decode(config: &AuthConfig, token: &str) -> Result<Option<Claims>, ApiError> {
    let mut validation = jsonwebtoken::Validation::new(jsonwebtoken::Algorithm::HS256);
    validation.set_issuer(&[ISSUER]);
    validation.leeway = TOKEN_LEEWAY_SECS;
    match jsonwebtoken::decode::<Claims>(
        token,
        &jsonwebtoken::DecodingKey::from_secret(&config.jwt_secret),
        &validation,
    ) {
        Ok(data) => Ok(Some(data.claims)),
        Err(e) if matches!(e.kind(), jsonwebtoken::errors::ErrorKind::ExpiredSignature) => {
            Err(ApiError::TokenException("Token has expired".into()))
        }
        Err(_) => Ok(None),
    }
}

/// Clock skew tolerated between instances when checking a token's expiry.
const TOKEN_LEEWAY_SECS: u64 = 5;

const ISSUER: &str = "canopy";

/// A bearer token for `user`. Bound to `session` when there is one: it then expires no later than the session,
/// and stops working when the session ends (logout).
pub fn issue_jwt(config: &AuthConfig, user: &UserRecord, session: Option<&SessionRef>) -> Result<String, ApiError> {
    let now = canopy_store::clock::now().timestamp();
    let mut exp = now + config.jwt_ttl.as_secs() as i64;
    if let Some(session) = session {
        let ends = chrono::DateTime::parse_from_rfc3339(&session.expires)
            .map_err(|e| ApiError::Internal(format!("a session's expiry is unreadable: {e}")))?;
        exp = exp.min(ends.timestamp());
    }
    let claims = Claims {
        iss: ISSUER.into(),
        sub: user.id.clone(),
        iat: now,
        exp,
        preferred_username: user.user_name.clone(),
        roles: user.roles.iter().map(|r| r.as_str().to_owned()).collect(),
        sid: session.map(|s| s.digest.clone()),
        typ: None,
    };
    sign(config, &claims)
}

/// What a valid token says.
struct VerifiedToken {
    user_id: String,
    expires: String,
    session: Option<String>,
}

/// The claims of a valid token; `Ok(None)` for one that is not ours (a bad signature is ignored, as ServiceStack
/// does); an error for one of ours that has expired.
fn verify_jwt(config: &AuthConfig, token: &str) -> Result<Option<VerifiedToken>, ApiError> {
    let Some(claims) = decode(config, token)? else { return Ok(None) };
    if claims.typ.is_some() {
        // A refresh token is not a bearer token.
        return Ok(None);
    }
    let expires = chrono::DateTime::from_timestamp(claims.exp + TOKEN_LEEWAY_SECS as i64, 0)
        .unwrap_or_default()
        .to_rfc3339_opts(SecondsFormat::Micros, true);
    Ok(Some(VerifiedToken { user_id: claims.sub, expires, session: claims.sid }))
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
    let now = canopy_store::clock::now();
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
    let valid = verify_password(password, &hash) && user.as_ref().is_some_and(|u| !u.disabled);
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

/// Starts a session for `user`; returns its id (which only the client keeps), how long it lasts, and the reference
/// tokens issued for it carry.
pub fn start_session(
    store: &Store,
    config: &AuthConfig,
    user: &UserRecord,
    remember: bool,
) -> Result<(String, Duration, SessionRef), ApiError> {
    let id = new_session_id();
    let ttl = if remember { config.permanent_session_ttl } else { config.session_ttl };
    let session = SessionRef { digest: digest(&id), expires: instant_text(ttl) };
    store.create_session(&session.digest, &user.id, remember, &session.expires)?;
    Ok((id, ttl, session))
}

/// The credentials a request carries, taken off it so that checking them can run on another thread.
#[derive(Debug, Clone, Default)]
pub struct Credentials {
    authorization: Option<String>,
    /// An API key sent as the `apikey` member (only taken when `AuthConfig::api_key_in_params` allows it).
    api_key_param: Option<String>,
    session: Option<String>,
    /// The client's address, for login throttling.
    address: String,
}

impl Credentials {
    pub fn of(req: &HttpRequest) -> Self {
        Self {
            authorization: req.headers().get(header::AUTHORIZATION).and_then(|v| v.to_str().ok()).map(str::to_owned),
            api_key_param: None,
            session: session_id(req),
            address: client_address(req),
        }
    }

    /// Also takes an API key from the request's `apikey` member (query string or form), as ServiceStack does when
    /// `AllowInHttpParams` is on.
    pub fn with_api_key_param(mut self, key: Option<&str>) -> Self {
        self.api_key_param = key.map(str::to_owned);
        self
    }
}

/// The member that carries an API key when `api_key_in_params` is on.
pub const API_KEY_PARAM: &str = "apikey";

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
    pub caller: std::sync::Arc<Caller>,
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

/// The session a cookie or a token belongs to: its digest (the database's key for it) and when it expires.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionRef {
    pub digest: String,
    pub expires: String,
}

/// How a caller proved who it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Proof {
    Nothing,
    SessionCookie,
    BearerToken,
    Password,
    ApiKey,
}

/// A credential known to be good: whose it is, until when (sessions and tokens), and the session it belongs to.
#[derive(Debug, Clone)]
struct KnownCredential {
    user_id: String,
    expires: Option<String>,
    session: Option<SessionRef>,
}

impl KnownCredential {
    fn lasting(user_id: String) -> Self {
        Self { user_id, expires: None, session: None }
    }

    fn still_valid(&self, now: &str) -> bool {
        self.expires.as_deref().is_none_or(|expires| expires > now)
    }
}

impl crate::cache::Weigh for KnownCredential {
    fn weight(&self) -> usize {
        192
    }
}

/// The credential and caller caches. Both depend on the auth generation only: a change to any user, link,
/// session, key or account clears them, so a changed password, a revoked key, a logout or a role change takes
/// effect on the very next request, in every process.
pub struct AuthCaches {
    keyer: crate::cache::CacheKeyer,
    /// HMAC(password check | API key | session id | bearer token) → the user it names. Only good credentials are
    /// kept.
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

/// Who a request comes from, how it proved it, the session it belongs to (if any), and the generations read on
/// its way in (the same read serves every cache of the request).
pub struct Identity {
    pub generations: Generations,
    pub signed: Option<std::sync::Arc<Signed>>,
    pub proof: Proof,
    pub session: Option<SessionRef>,
}

/// The credential a request presents, and the cache key it is remembered under.
enum Presented<'a> {
    /// From a bearer header or the `apikey` member as it came, or decoded from a Basic header.
    ApiKey(Cow<'a, str>),
    Token(&'a str),
    Password {
        user_name: String,
        password: String,
    },
    Session(&'a str),
    Nothing,
}

impl Presented<'_> {
    fn of(credentials: &Credentials) -> Result<Presented<'_>, ApiError> {
        let authorization = credentials.authorization.as_deref().unwrap_or("");
        Ok(if let Some(token) = authorization.strip_prefix("Bearer ").map(str::trim) {
            if token.starts_with("ak-") {
                Presented::ApiKey(Cow::Borrowed(token))
            } else {
                Presented::Token(token)
            }
        } else if let Some(encoded) = authorization.strip_prefix("Basic ").map(str::trim) {
            let decoded = base64::engine::general_purpose::STANDARD
                .decode(encoded)
                .ok()
                .and_then(|bytes| String::from_utf8(bytes).ok())
                .ok_or_else(|| ApiError::Unauthorized("malformed Basic credentials".into()))?;
            let (user_name, password) = decoded.split_once(':').unwrap_or((decoded.as_str(), ""));
            // ServiceStack's API key provider also takes the key as the Basic user name, with no password.
            if user_name.starts_with("ak-") && password.is_empty() {
                return Ok(Presented::ApiKey(Cow::Owned(user_name.to_owned())));
            }
            if !plausible_login(user_name, password) {
                return Err(ApiError::Unauthorized("Invalid Username or Password".into()));
            }
            Presented::Password { user_name: user_name.to_owned(), password: password.to_owned() }
        } else if let Some(key) = &credentials.api_key_param {
            Presented::ApiKey(Cow::Borrowed(key))
        } else if let Some(session) = &credentials.session {
            Presented::Session(session)
        } else {
            Presented::Nothing
        })
    }

    fn proof(&self) -> Proof {
        match self {
            Presented::ApiKey(_) => Proof::ApiKey,
            Presented::Token(_) => Proof::BearerToken,
            Presented::Password { .. } => Proof::Password,
            Presented::Session(_) => Proof::SessionCookie,
            Presented::Nothing => Proof::Nothing,
        }
    }

    /// Where a good credential is remembered: an HMAC under the process's key, never the credential itself.
    fn cache_key(&self, caches: &AuthCaches) -> Option<crate::cache::CredentialKey> {
        Some(match self {
            Presented::ApiKey(key) => caches.keyer.key(&[b"api-key", key.as_bytes()]),
            Presented::Token(token) => caches.keyer.key(&[b"jwt", token.as_bytes()]),
            Presented::Password { user_name, password } => {
                caches.keyer.key(&[b"basic", user_name.to_lowercase().as_bytes(), password.as_bytes()])
            }
            Presented::Session(session) => caches.keyer.key(&[b"session", session.as_bytes()]),
            Presented::Nothing => return None,
        })
    }

    /// Checks the credential against the store (and, for a password, argon2 and the throttles).
    fn check(&self, store: &Store, config: &AuthConfig, address: &str) -> Result<Option<KnownCredential>, ApiError> {
        Ok(match self {
            Presented::ApiKey(key) => store.api_key_user(&digest(key))?.map(KnownCredential::lasting),
            Presented::Password { user_name, password } => {
                Some(KnownCredential::lasting(check_credentials(store, config, user_name, password, address)?.id))
            }
            Presented::Session(session) => {
                let digest = digest(session);
                store.session_user(&digest, &now_text())?.map(|(user_id, expires)| KnownCredential {
                    user_id,
                    expires: Some(expires.clone()),
                    session: Some(SessionRef { digest, expires }),
                })
            }
            Presented::Token(token) => {
                // An expired token of ours is an error ("Token has expired"), as clients expect.
                let Some(verified) = verify_jwt(config, token)? else { return Ok(None) };
                match verified.session {
                    // A token issued at login lives only as long as its session: a logout revokes it at once.
                    Some(sid) => match store.session_user(&sid, &now_text())? {
                        Some((user_id, session_expires)) if user_id == verified.user_id => Some(KnownCredential {
                            user_id,
                            expires: Some(verified.expires.min(session_expires.clone())),
                            session: Some(SessionRef { digest: sid, expires: session_expires }),
                        }),
                        _ => None,
                    },
                    None => Some(KnownCredential {
                        user_id: verified.user_id,
                        expires: Some(verified.expires),
                        session: None,
                    }),
                }
            }
            Presented::Nothing => None,
        })
    }
}

/// Who the request comes from, answered from the caches alone (no database, no password hashing), or `None` when
/// anything is missing from them. What an async worker may run without blocking.
pub fn identify_from_caches(
    credentials: &Credentials,
    caches: &AuthCaches,
    generations: Generations,
) -> Option<Identity> {
    let presented = Presented::of(credentials).ok()?;
    let Some(key) = presented.cache_key(caches) else {
        return Some(Identity { generations, signed: None, proof: Proof::Nothing, session: None });
    };
    let known = caches.credentials.get(generations, &key).filter(|k| k.still_valid(&now_text()))?;
    let signed = caches.signed.get(generations, &known.user_id)?;
    Some(Identity { generations, signed: Some(signed), proof: presented.proof(), session: known.session })
}

/// Who the request comes from, if anyone: bearer token (API key or JWT), HTTP Basic, or session cookie. One read
/// of the generations, then the caches; the database (and argon2) only on a miss.
pub fn identify(
    credentials: &Credentials,
    store: &Store,
    config: &AuthConfig,
    caches: &AuthCaches,
) -> Result<Identity, ApiError> {
    let generations = store.generations()?;
    let presented = Presented::of(credentials)?;
    let nobody = |proof| Identity { generations, signed: None, proof, session: None };
    let Some(key) = presented.cache_key(caches) else { return Ok(nobody(Proof::Nothing)) };
    let known = match caches.credentials.get(generations, &key).filter(|k| k.still_valid(&now_text())) {
        Some(hit) => hit,
        None => match presented.check(store, config, &credentials.address)? {
            Some(good) if good.still_valid(&now_text()) => {
                caches.credentials.put(generations, key, good.clone());
                good
            }
            _ => return Ok(nobody(presented.proof())),
        },
    };
    let signed = signed(store, caches, generations, &known.user_id)?;
    Ok(Identity { generations, signed, proof: presented.proof(), session: known.session })
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
    // A disabled user is nobody: no credential of it works.
    let Some(mut user) = store.user_by_id(user_id)?.filter(|u| !u.disabled) else { return Ok(None) };
    user.password_hash.clear();
    let caller = caller_of(store, &user)?;
    let signed = std::sync::Arc::new(Signed { user, caller: std::sync::Arc::new(caller) });
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
