//! Users and API keys, for SystemAdministrators: list them, disable or re-enable a user, set its password, delete
//! it, and revoke keys. Every change moves the auth generation, so it takes effect on the next request in every
//! instance, whatever is cached.

use canopy_domain::ValidationErrors;
use canopy_store::ApiKeyInfo;

use crate::{
    api::{Ctx, Reply},
    auth,
    dto::{self, ListResponse, UserSummary},
    error::ApiError,
};

fn summary(u: canopy_store::UserRecord) -> UserSummary {
    UserSummary {
        id: u.id,
        user_name: u.user_name,
        email: u.email,
        display_name: u.display_name,
        roles: u.roles.iter().map(|r| r.as_str().to_owned()).collect(),
        manager_access: format!("{:?}", u.manager_access),
        account_ids: u.account_ids,
        customer_ids: u.customer_ids,
        is_disabled: u.disabled,
    }
}

fn whole<T>(items: Vec<T>) -> ListResponse<T> {
    let count = items.len() as u64;
    ListResponse { items, total_count: Some(count), total_pages: Some(u64::from(count > 0)), has_more_pages: false }
}

/// `Caller::may_disable_or_delete_user`, answered 409: the request conflicts with who sends it.
fn not_oneself(ctx: &Ctx, user_name: &str) -> Result<(), ApiError> {
    ctx.caller.may_disable_or_delete_user(user_name).map_err(|denied| ApiError::Conflict {
        field: denied.field.unwrap_or("userName").into(),
        message: denied.message,
    })
}

pub async fn list(ctx: Ctx, _: dto::ListUsers) -> Result<Reply, ApiError> {
    ctx.caller.may_manage_users()?;
    let users = ctx.store(|s| s.list_users()).await?;
    Reply::list(whole(users.into_iter().map(summary).collect()))
}

pub async fn update(ctx: Ctx, request: dto::UpdateUser) -> Result<Reply, ApiError> {
    ctx.caller.may_manage_users()?;
    if let Some(disabled) = request.is_disabled {
        if disabled {
            not_oneself(&ctx, &request.user_name)?;
        }
        let name = request.user_name.clone();
        ctx.store(move |s| s.set_user_disabled(&name, disabled)).await?;
    }
    if let Some(password) = request.password {
        if password.chars().count() < 8 || password.len() > auth::MAX_PASSWORD_LENGTH {
            return Err(ValidationErrors::single(
                "password",
                "Length",
                format!("a password is 8 characters to {} bytes", auth::MAX_PASSWORD_LENGTH),
            )
            .into());
        }
        let name = request.user_name.clone();
        ctx.store(move |s| {
            let hash = auth::hash_password(&password)
                .map_err(|e| canopy_store::StoreError::Corrupt(format!("password hashing failed: {e}")))?;
            s.set_password_hash(&name, &hash)
        })
        .await?;
    }
    let name = request.user_name;
    let user = ctx
        .store(move |s| s.user_by_name(&name))
        .await?
        .ok_or_else(|| ApiError::NotFound("User was not found".into()))?;
    Reply::ok(summary(user))
}

pub async fn delete(ctx: Ctx, request: dto::DeleteUser) -> Result<Reply, ApiError> {
    ctx.caller.may_manage_users()?;
    not_oneself(&ctx, &request.user_name)?;
    ctx.store(move |s| s.delete_user(&request.user_name)).await?;
    Ok(Reply::NoContent)
}

pub async fn list_api_keys(ctx: Ctx, request: dto::ListApiKeys) -> Result<Reply, ApiError> {
    ctx.caller.may_manage_users()?;
    let keys: Vec<ApiKeyInfo> = ctx.store(move |s| s.list_api_keys(request.user_name.as_deref())).await?;
    Reply::list(whole(keys))
}

pub async fn revoke_api_key(ctx: Ctx, request: dto::RevokeApiKey) -> Result<Reply, ApiError> {
    ctx.caller.may_manage_users()?;
    ctx.store(move |s| s.revoke_api_key(&request.id)).await?;
    Ok(Reply::NoContent)
}
