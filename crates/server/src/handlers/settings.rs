use canopy_domain::ValidationErrors;

use crate::{
    api::{Ctx, Reply},
    dto,
    error::ApiError,
};

fn require_account(account_id: Option<String>) -> Result<String, ApiError> {
    account_id
        .filter(|id| !id.trim().is_empty())
        .ok_or_else(|| ValidationErrors::single("accountId", "NotEmpty", "'accountId' must not be empty.").into())
}

pub async fn get(ctx: Ctx, request: dto::GetSystemSettings) -> Result<Reply, ApiError> {
    let account_id = require_account(request.account_id)?;
    super::accounts::require_reach(&ctx, &account_id)?;
    let settings = ctx.store(move |s| s.get_system_settings(&account_id)).await?;
    Reply::ok(settings)
}

pub async fn patch(ctx: Ctx, request: dto::PatchSystemSettings) -> Result<Reply, ApiError> {
    let account_id = require_account(request.account_id.clone())?;
    super::accounts::require_reach(&ctx, &account_id)?;
    ctx.caller.may_write_settings(&account_id)?;
    let changes = request.changes();
    let actor = ctx.actor.clone();
    let settings = ctx.store(move |s| s.patch_system_settings(&account_id, &changes, &actor)).await?;
    Reply::ok(settings)
}
