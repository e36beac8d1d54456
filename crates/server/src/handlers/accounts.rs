use canopy_domain::{listing::Paging, ValidationErrors};
use canopy_store::AccountFilter;

use crate::{
    api::{Ctx, Reply},
    dto::{self, ListResponse},
    error::ApiError,
    idempotency,
};

fn require_id(id: &str) -> Result<(), ApiError> {
    if id.trim().is_empty() {
        return Err(ValidationErrors::single("accountId", "NotEmpty", "'accountId' must not be empty.").into());
    }
    Ok(())
}

/// An account outside the caller's reach is answered exactly like a missing one.
pub fn require_reach(ctx: &Ctx, account_id: &str) -> Result<(), ApiError> {
    if ctx.caller.reaches_account(account_id) {
        Ok(())
    } else {
        Err(ApiError::NotFound(format!("Account '{account_id}' was not found")))
    }
}

pub async fn list(ctx: Ctx, request: dto::ListAccounts) -> Result<Reply, ApiError> {
    canopy_domain::validation::check_name_filter(request.name_filter.as_deref())?;
    let paging = Paging::from_request(request.page, request.count_per_page, request.all, request.simplified_paging)?;
    let reach = ctx.caller.reach();
    let filter = AccountFilter { name_filter: request.name_filter, specific_ids: request.specific_ids, reach };
    let (items, totals) = ctx.store(move |s| s.list_accounts(&filter, paging)).await?;
    Reply::list(ListResponse::new(items, totals))
}

pub async fn get(ctx: Ctx, request: dto::GetAccount) -> Result<Reply, ApiError> {
    require_id(&request.account_id)?;
    require_reach(&ctx, &request.account_id)?;
    let account = ctx.store(move |s| s.get_account(&request.account_id)).await?;
    Reply::ok(account)
}

pub async fn create(ctx: Ctx, request: dto::NewAccountRequest) -> Result<Reply, ApiError> {
    ctx.caller.may_write_accounts()?;
    let claim = idempotency::claim(&ctx)?;
    let account: canopy_domain::AccountInfo = match idempotency::replay(&ctx, &claim).await? {
        Some(answer) => answer,
        None => {
            let (actor, stored_claim) = (ctx.actor.clone(), claim.clone());
            let outcome =
                ctx.store(move |s| s.create_account(request.into_store(), &actor, stored_claim.as_ref())).await;
            idempotency::settle(&ctx, &claim, outcome).await?
        }
    };
    Reply::ok(account)
}

pub async fn patch(ctx: Ctx, request: dto::PatchAccount) -> Result<Reply, ApiError> {
    require_id(&request.account_id)?;
    require_reach(&ctx, &request.account_id)?;
    ctx.caller.may_write_accounts()?;
    let actor = ctx.actor.clone();
    let changes = request.changes();
    let account = ctx.store(move |s| s.patch_account(&request.account_id, &changes, &actor)).await?;
    Reply::ok(account)
}

pub async fn delete(ctx: Ctx, request: dto::DeleteAccount) -> Result<Reply, ApiError> {
    require_id(&request.account_id)?;
    require_reach(&ctx, &request.account_id)?;
    ctx.caller.may_write_accounts()?;
    ctx.store(move |s| s.delete_account(&request.account_id)).await?;
    Ok(Reply::NoContent)
}
