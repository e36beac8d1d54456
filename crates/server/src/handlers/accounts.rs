use canopy_domain::{
    listing::{AccountSortField, Paging, MAX_FILTER_IDS},
    FieldError, ValidationErrors,
};
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

/// The same paging, sorting and filter rules as ListCustomers: id lists bounded, parents only within reach (403),
/// an unknown sort field a 400.
pub async fn list(ctx: Ctx, request: dto::ListAccounts) -> Result<Reply, ApiError> {
    let mut errors = ValidationErrors::default();
    for (field, ids) in request.id_lists() {
        if ids.len() > MAX_FILTER_IDS {
            errors.push(FieldError::new(field, "Length", format!("at most {MAX_FILTER_IDS} ids per filter")));
        }
    }
    errors.into_result()?;
    canopy_domain::validation::check_name_filter(request.name_filter.as_deref())?;
    ctx.caller.may_filter_accounts_by(&request.parent_account_ids)?;
    let sort = AccountSortField::parse(request.sort_field.as_deref().unwrap_or(""))?;
    let order = request.sort_order.unwrap_or_default();
    let paging = Paging::from_request(request.page, request.count_per_page, request.all, request.simplified_paging)?;
    let view = crate::view::View::new(crate::view::account_layout(), &request.fields, request.csv_style)?;
    let filter = AccountFilter {
        name_filter: request.name_filter,
        specific_ids: request.specific_ids,
        parent_account_ids: request.parent_account_ids,
        shallow_parent: request.shallow_parent,
        top_level_only: request.top_level_only,
        reach: ctx.caller.reach(),
    };
    let (items, totals) = ctx.store(move |s| s.list_accounts(&filter, sort, order, paging)).await?;
    let columns = crate::reply::declared_columns::<canopy_domain::AccountInfo>();
    let view = view.with_keys_of(ctx.format, &items)?;
    Reply::viewed_list(ListResponse::new(items, totals), columns, view)
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
