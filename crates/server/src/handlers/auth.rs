//! ServiceStack's auth services: log in (credentials), the current session, the auth status (Evo Voice's
//! UserInfo) and log out.

use actix_web::cookie::{time, Cookie, SameSite};
use canopy_domain::{access::Caller, ValidationErrors};
use canopy_store::UserRecord;

use crate::{
    api::{Reply, Request},
    auth,
    dto::{self, AuthenticateResponse, GetAccessTokenResponse, UserInfo},
    error::ApiError,
};

/// An HttpOnly, SameSite=Lax cookie (Secure over HTTPS); without `max_age_secs` it lasts as long as the browser
/// session, as ServiceStack's `ss-id` does.
fn session_cookie(request: &Request, name: &'static str, value: String, max_age_secs: Option<i64>) -> Cookie<'static> {
    let mut cookie = Cookie::build(name, value)
        .path("/")
        .http_only(true)
        .same_site(SameSite::Lax)
        .secure(request.http.connection_info().scheme() == "https")
        .finish();
    if let Some(seconds) = max_age_secs {
        cookie.set_max_age(time::Duration::seconds(seconds));
    }
    cookie
}

fn response_for(
    user: &UserRecord,
    session_id: Option<String>,
    bearer_token: Option<String>,
) -> Result<AuthenticateResponse, ApiError> {
    Ok(AuthenticateResponse {
        user_id: Some(user.id.clone()),
        session_id,
        user_name: Some(user.user_name.clone()),
        display_name: Some(user.display_name.clone().unwrap_or_else(|| user.user_name.clone())),
        bearer_token,
        refresh_token: None,
        roles: Some(user.roles.iter().map(|r| r.as_str().to_owned()).collect()),
        permissions: Some(Vec::new()),
        auth_provider: Some("credentials".into()),
    })
}

/// `POST /auth/credentials` or `POST /auth` logs in; `GET /auth` answers the current session.
pub async fn authenticate(request: Request, dto: dto::Authenticate) -> Result<Reply, ApiError> {
    if request.http.method() == actix_web::http::Method::GET {
        // Credentials in a URL end up in proxies' and browsers' logs: current ServiceStack refuses them over GET.
        if dto.user_name.is_some() || dto.password.is_some() {
            return Err(ApiError::MethodNotAllowed(
                "the credentials provider takes its user name and password by POST only".into(),
            ));
        }
        let identity = request.identify().await?;
        let signed = identity.signed.ok_or_else(|| ApiError::Unauthorized("Not Authenticated".into()))?;
        // A token is issued for a session cookie (bound to it: it ends with it), or for a caller that proved
        // itself with a lasting credential (a password or an API key). A bearer token gets no new one here: the
        // way to renew one is its refresh token at /access-token, as ServiceStack's clients do on a 401.
        let config = &request.state.auth;
        let token = match (identity.proof, &identity.session) {
            (auth::Proof::SessionCookie, Some(session)) => Some(auth::issue_jwt(config, &signed.user, Some(session))?),
            (auth::Proof::Password | auth::Proof::ApiKey, _) => Some(auth::issue_jwt(config, &signed.user, None)?),
            _ => None,
        };
        return Reply::ok(response_for(&signed.user, auth::session_id(&request.http), token)?);
    }
    let provider = dto.provider.as_deref().unwrap_or("credentials");
    if !provider.eq_ignore_ascii_case("credentials") && !provider.eq_ignore_ascii_case("login") {
        return Err(ApiError::NotFound(format!("No configuration was added for OAuth provider '{provider}'")));
    }
    let mut errors = ValidationErrors::default();
    let user_name = dto.user_name.unwrap_or_default();
    let password = dto.password.unwrap_or_default();
    canopy_domain::validation::check_not_blank("userName", &user_name, &mut errors);
    canopy_domain::validation::check_not_blank("password", &password, &mut errors);
    errors.into_result()?;
    // No stored user has a longer name or password: refuse as a wrong login, before any lookup or hashing.
    if !auth::plausible_login(&user_name, &password) {
        return Err(ApiError::Unauthorized("Invalid Username or Password".into()));
    }
    let remember = dto.remember_me.unwrap_or(false);
    let (state, address) = (request.state.clone(), auth::client_address(&request.http));
    let (user, session_id, ttl, token, refresh) = request
        .blocking(move || {
            let user = auth::check_credentials(&state.store, &state.auth, &user_name, &password, &address)?;
            let (session_id, ttl, session) = auth::start_session(&state.store, &state.auth, &user, remember)?;
            let token = auth::issue_jwt(&state.auth, &user, Some(&session))?;
            let refresh = auth::issue_refresh_token(&state.auth, &user, &session)?;
            Ok((user, session_id, ttl, token, refresh))
        })
        .await?;
    let max_age = ttl.as_secs() as i64;
    // Both ids name the session; `ss-opt` says which one the client should keep using (ServiceStack's scheme).
    let cookies = vec![
        session_cookie(&request, "ss-id", session_id.clone(), None),
        session_cookie(&request, "ss-pid", session_id.clone(), Some(max_age)),
        session_cookie(&request, "ss-opt", if remember { "perm" } else { "temp" }.into(), Some(max_age)),
    ];
    let mut response = response_for(&user, Some(session_id), Some(token))?;
    response.refresh_token = Some(refresh);
    Ok(Reply::ok(response)?.with_cookies(cookies))
}

/// `GET /auth/status`: who is signed in, or `isAuthenticated: false`.
pub async fn status(request: Request, _: dto::GetAuthStatus) -> Result<Reply, ApiError> {
    let Some(signed) = request.signed().await? else {
        return Reply::ok(UserInfo::default());
    };
    let state = request.state.clone();
    let info = request.blocking(move || {
        let (user, caller): (&UserRecord, &Caller) = (&signed.user, &signed.caller);
        let account_ids: Vec<String> = match caller.readable_accounts() {
            Some(ids) => ids.to_vec(),
            None => state
                .store
                .list_accounts(
                    &canopy_store::AccountFilter::default(),
                    Default::default(),
                    Default::default(),
                    canopy_domain::listing::Paging::All,
                )?
                .0
                .into_iter()
                .map(|a| a.id)
                .collect(),
        };
        let names = state.store.accounts_with_ancestors(&account_ids)?;
        let account_names = account_ids
            .iter()
            .map(|id| names.iter().find(|a| &a.id == id).map(|a| a.name.clone()).unwrap_or_default())
            .collect();
        Ok(UserInfo {
            id: Some(user.id.clone()),
            is_authenticated: true,
            name: Some(user.display_name.clone().unwrap_or_else(|| user.user_name.clone())),
            email_address: user.email.clone(),
            roles: user.roles.iter().map(|r| r.as_str().to_owned()).collect(),
            account_ids,
            account_names,
            manager_access: user.roles.contains(&canopy_domain::Role::Manager).then_some(user.manager_access),
        })
    });
    let info = info.await?;
    Reply::ok(info)
}

/// `POST /access-token` (ServiceStack's GetAccessToken): a refresh token from a login, exchanged for a new bearer
/// token bound to the same session, no later than its end. After a logout, or with anything but a refresh token
/// of ours, 401.
pub async fn access_token(request: Request, dto: dto::GetAccessToken) -> Result<Reply, ApiError> {
    let refresh = dto
        .refresh_token
        .filter(|t| !t.trim().is_empty())
        .ok_or_else(|| ValidationErrors::single("refreshToken", "NotEmpty", "'refreshToken' must not be empty."))?;
    let state = request.state.clone();
    let token = request
        .blocking(move || {
            let (user, session) = auth::redeem_refresh_token(&state.store, &state.auth, &refresh)?
                .ok_or_else(|| ApiError::Unauthorized("The refresh token is not valid".into()))?;
            auth::issue_jwt(&state.auth, &user, Some(&session))
        })
        .await?;
    Reply::ok(GetAccessTokenResponse { access_token: token })
}

/// `/auth/logout`: ends the session and clears the cookies.
/// The session ended is the cookie's, or the one the bearer token was issued for: either way every token issued
/// for it stops working at once.
pub async fn logout(request: Request, _: dto::Logout) -> Result<Reply, ApiError> {
    let from_token = request.identify().await.ok().and_then(|identity| identity.session).map(|s| s.digest);
    let from_cookie = auth::session_id(&request.http).map(|session| auth::digest(&session));
    for digest in [from_cookie, from_token].into_iter().flatten() {
        let store = request.state.store.clone();
        request.blocking(move || Ok(store.delete_session(&digest)?)).await?;
    }
    let cleared = ["ss-id", "ss-pid", "ss-opt", "ss-tok"]
        .into_iter()
        .map(|name| session_cookie(&request, name, String::new(), Some(0)))
        .collect();
    Ok(Reply::ok(AuthenticateResponse::default())?.with_cookies(cleared))
}
