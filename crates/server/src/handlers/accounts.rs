use canopy_domain::{listing::Paging, ValidationErrors};
use canopy_store::AccountFilter;

use crate::{
    api::{Ctx, Reply},
    dto::{self, ListResponse},
    error::ApiError,
};

fn require_id(id: &str) -> Result<(), ApiError> {
    if id.trim().is_empty() {
        return Err(ValidationErrors::single("accountId", "NotEmpty", "'accountId' must not be empty.").into());
    }
    Ok(())
}

pub async fn list(ctx: Ctx) -> Result<Reply, ApiError> {
    let request: dto::ListAccounts = ctx.bind("ListAccounts")?;
    let paging = Paging::from_request(request.page, request.count_per_page, request.all, request.simplified_paging)?;
    let filter = AccountFilter { name_filter: request.name_filter, specific_ids: request.specific_ids, visible: None };
    let (items, totals) = ctx.store(move |s| s.list_accounts(&filter, paging)).await?;
    Reply::ok(&ListResponse::new(items, totals))
}

pub async fn get(ctx: Ctx) -> Result<Reply, ApiError> {
    let request: dto::GetAccount = ctx.bind("GetAccount")?;
    require_id(&request.account_id)?;
    let account = ctx.store(move |s| s.get_account(&request.account_id)).await?;
    Reply::ok(&account)
}

pub async fn create(ctx: Ctx) -> Result<Reply, ApiError> {
    let request: dto::NewAccountRequest = ctx.bind("NewAccount")?;
    let actor = ctx.actor.clone();
    let account = ctx.store(move |s| s.create_account(request.into_store(), &actor)).await?;
    Reply::ok(&account)
}

pub async fn patch(ctx: Ctx) -> Result<Reply, ApiError> {
    let request: dto::PatchAccount = ctx.bind("PatchAccount")?;
    require_id(&request.account_id)?;
    let actor = ctx.actor.clone();
    let changes = request.changes();
    let account = ctx.store(move |s| s.patch_account(&request.account_id, &changes, &actor)).await?;
    Reply::ok(&account)
}

pub async fn delete(ctx: Ctx) -> Result<Reply, ApiError> {
    let request: dto::DeleteAccount = ctx.bind("DeleteAccount")?;
    require_id(&request.account_id)?;
    ctx.store(move |s| s.delete_account(&request.account_id)).await?;
    Ok(Reply::NoContent)
}
