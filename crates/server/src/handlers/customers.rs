use std::collections::HashSet;

use actix_web::http::StatusCode;
use canopy_domain::{
    access::{FilterIds, Reach},
    history::{effective_source_ids, withhold_effective_sources, CustomerHistoryEntry},
    import::ImportCustomersResponse,
    listing::{CustomerSortField, Paging, MAX_FILTER_IDS},
    patch::CustomerChanges,
    FieldError, ValidationErrors,
};
use canopy_store::{CustomerQuery, HistoryQuery};

use crate::{
    api::{Ctx, IfMatch, Reply},
    dto::{self, ListResponse},
    error::ApiError,
    export::CustomerListing,
    idempotency,
    import::FileFormat,
    view::View,
};

fn require_id(field: &str, id: &str) -> Result<(), ApiError> {
    if id.trim().is_empty() {
        return Err(ValidationErrors::single(field, "NotEmpty", format!("'{field}' must not be empty.")).into());
    }
    Ok(())
}

pub async fn list(ctx: Ctx, request: dto::ListCustomers) -> Result<Reply, ApiError> {
    let mut errors = ValidationErrors::default();
    for (field, ids) in request.id_lists() {
        if ids.len() > MAX_FILTER_IDS {
            errors.push(FieldError::new(field, "Length", format!("at most {MAX_FILTER_IDS} ids per filter")));
        }
    }
    errors.into_result()?;
    canopy_domain::validation::check_name_filter(request.name_filter.as_deref())?;
    check_filter_reach(&ctx, &request).await?;
    let sort = CustomerSortField::parse(request.sort_field.as_deref().unwrap_or(""))?;
    let order = request.sort_order.unwrap_or_default();
    let paging = Paging::from_request(request.page, request.count_per_page, request.all, request.simplified_paging)?;
    let layout = crate::view::customer_layout(request.include_effective);
    let view = View::new(layout, &request.fields, request.csv_style)?;
    let query = CustomerQuery { filter: request.filter(), reach: ctx.reach(), sort, order, paging };
    if paging == Paging::All {
        // Every match, written as it is read 500 at a time (memory stays flat however many there are),
        // effective values included: they are resolved chunk by chunk. A flat CSV's header names every data and
        // integration key, so those are found first, by a pass over the same matches.
        let view = if view.is_flat(ctx.format) {
            let keys_of = query.clone();
            let keys = ctx.store(move |s| Ok(crate::view::customer_map_keys(s, &keys_of))).await??;
            view.with_map_keys(&keys)
        } else {
            view
        };
        return Ok(Reply::AllCustomers(CustomerListing {
            query,
            include_effective: request.include_effective,
            view: Box::new(view),
        }));
    }
    let totals_key = query.count_key();
    let known_total = ctx.state.caches.totals.get(ctx.generations, &totals_key).map(|t| t.0);
    let page = ctx.store(move |s| s.list_customers_knowing_total(&query, known_total)).await?;
    if let (None, Some(total)) = (known_total, page.totals.total_count) {
        ctx.state.caches.totals.put(ctx.generations, totals_key, crate::api::Total(total));
    }
    if !request.include_effective {
        let columns = crate::reply::declared_columns::<canopy_domain::CustomerInfo>();
        let view = view.with_keys_of(ctx.format, &page.items)?;
        return Reply::viewed_list(ListResponse::new(page.items, page.totals), columns, view);
    }
    let items = page.items;
    let (items, (ancestors, accounts)) = ctx
        .store(move |s| {
            let context = s.inheritance_context(&items)?;
            Ok((items, context))
        })
        .await?;
    let items = super::inheritance::with_effective(&ctx.caller, items, ancestors, &accounts)?;
    let mut columns = crate::reply::declared_columns::<canopy_domain::CustomerInfo>();
    columns.push("effective".into());
    let view = view.with_keys_of(ctx.format, &items)?;
    Reply::viewed_list(ListResponse::new(items, page.totals), columns, view)
}

pub async fn get(ctx: Ctx, request: dto::GetCustomer) -> Result<Reply, ApiError> {
    require_id("customerId", &request.customer_id)?;
    let scope = ctx.reach();
    let view = View::new(crate::view::customer_layout(false), &request.fields, request.csv_style)?;
    let (customer, version) = ctx.store(move |s| s.get_customer(&request.customer_id, &scope)).await?;
    let view = view.with_keys_of(ctx.format, std::slice::from_ref(&customer))?;
    Ok(Reply::viewed(customer, view)?.with_etag(version))
}

pub async fn create(ctx: Ctx, request: dto::NewCustomer) -> Result<Reply, ApiError> {
    let fields: CustomerChanges = ctx.bind()?;
    super::inheritance::validate_schedule(&fields)?;
    ctx.caller.may_write_customers()?;
    let claim = idempotency::claim(&ctx)?;
    let (customer, version) = match idempotency::replay(&ctx, &claim).await? {
        Some(answer) => answer,
        None => {
            let (actor, scope, stored_claim) = (ctx.actor.clone(), ctx.reach(), claim.clone());
            let outcome = ctx
                .store(move |s| s.create_customer(request.into_store(fields), &actor, &scope, stored_claim.as_ref()))
                .await;
            idempotency::settle(&ctx, &claim, outcome).await?
        }
    };
    let customer: canopy_domain::CustomerInfo = customer;
    Ok(Reply::ok(customer)?.with_etag(version))
}

/// The customer a write names: by id (the path of the customer routes) or by reference.
enum Target {
    Id(String),
    Reference(Reference),
}

/// A customer named by its primary external id, within the account given or the one account the caller reaches.
struct Reference {
    reference_id: String,
    account_id: Option<String>,
}

impl Reference {
    /// `accountId` may be left out only when the caller reaches a single account: a referenceId is unique within
    /// an account, not across them.
    fn new(ctx: &Ctx, reference_id: String, account_id: Option<String>) -> Result<Self, ApiError> {
        require_id("referenceId", &reference_id)?;
        let account_id = account_id.filter(|a| !a.trim().is_empty());
        if account_id.is_none() && ctx.reach().spans_several_accounts() {
            return Err(ValidationErrors::single(
                "accountId",
                "NotEmpty",
                "'accountId' must not be empty: a referenceId is unique only within an account, and this user \
                 reaches more than one account.",
            )
            .into());
        }
        Ok(Self { reference_id, account_id })
    }

    /// The customer's id, found within the caller's reach (unknown and unreachable are the same 404).
    async fn resolve(self, ctx: &Ctx) -> Result<String, ApiError> {
        let scope = ctx.reach();
        ctx.store(move |s| s.customer_id_by_reference(&self.reference_id, self.account_id.as_deref(), &scope)).await
    }
}

pub async fn get_by_reference(ctx: Ctx, request: dto::GetCustomerByReference) -> Result<Reply, ApiError> {
    let view = View::new(crate::view::customer_layout(false), &request.fields, request.csv_style)?;
    let reference = Reference::new(&ctx, request.reference_id, request.account_id)?;
    let scope = ctx.reach();
    let (customer, version) = ctx
        .store(move |s| {
            let id = s.customer_id_by_reference(&reference.reference_id, reference.account_id.as_deref(), &scope)?;
            s.get_customer(&id, &scope)
        })
        .await?;
    let view = view.with_keys_of(ctx.format, std::slice::from_ref(&customer))?;
    Ok(Reply::viewed(customer, view)?.with_etag(version))
}

pub async fn patch(ctx: Ctx, request: dto::PatchCustomer) -> Result<Reply, ApiError> {
    require_id("customerId", &request.customer_id)?;
    patch_one(ctx, Target::Id(request.customer_id)).await
}

/// PatchCustomer for the customer a referenceId names: the reference is resolved to an id within the caller's
/// reach, then the very same patch runs.
pub async fn patch_by_reference(ctx: Ctx, request: dto::PatchCustomerByReference) -> Result<Reply, ApiError> {
    let reference = Reference::new(&ctx, request.reference_id, request.account_id)?;
    patch_one(ctx, Target::Reference(reference)).await
}

/// The one patch path: bind and check the changes, resolve the target (an id, or a reference), ask the caller's
/// rules, then patch under `If-Match` and answer the customer with its new ETag.
async fn patch_one(ctx: Ctx, target: Target) -> Result<Reply, ApiError> {
    let changes: CustomerChanges = ctx.bind()?;
    super::inheritance::validate_schedule(&changes)?;
    let customer_id = match target {
        Target::Id(id) => id,
        Target::Reference(reference) => reference.resolve(&ctx).await?,
    };
    if let Err(denied) = ctx.caller.may_patch_customer(&customer_id, &changes) {
        return Err(refuse_visible(&ctx, &customer_id, denied).await);
    }
    let if_match = IfMatch::expected_version(ctx.if_match);
    let (actor, scope) = (ctx.actor.clone(), ctx.reach());
    let (customer, version) =
        ctx.store(move |s| s.patch_customer(&customer_id, &changes, if_match, &actor, &scope)).await?;
    Ok(Reply::ok(customer)?.with_etag(version))
}

pub async fn delete(ctx: Ctx, request: dto::DeleteCustomer) -> Result<Reply, ApiError> {
    require_id("customerId", &request.customer_id)?;
    if let Err(denied) = ctx.caller.may_delete_customer(&request.customer_id) {
        return Err(refuse_visible(&ctx, &request.customer_id, denied).await);
    }
    let if_match = IfMatch::expected_version(ctx.if_match);
    let (actor, scope) = (ctx.actor.clone(), ctx.reach());
    ctx.store(move |s| s.delete_customer(&request.customer_id, if_match, &actor, &scope)).await?;
    Ok(Reply::NoContent)
}

/// Same scope as the customer itself (out of reach is a 404); a deleted customer's history is read by whoever
/// reaches its account (the store decides, from the rows' account).
pub async fn history(ctx: Ctx, request: dto::ListCustomerHistory) -> Result<Reply, ApiError> {
    require_id("customerId", &request.customer_id)?;
    let mut errors = ValidationErrors::default();
    let mut instant = |field: &str, text: Option<String>| {
        let text = text.filter(|t| !t.trim().is_empty())?;
        let parsed = canopy_store::clock::parse(&text);
        if parsed.is_none() {
            errors.push(FieldError::new(
                field,
                "InvalidDate",
                format!("'{field}' must be an ISO 8601 date or date and time, such as 2026-11-30T08:00:00Z"),
            ));
        }
        parsed
    };
    let from = instant("from", request.from);
    let to = instant("to", request.to);
    let paging =
        match Paging::from_request(request.page, request.count_per_page, request.all, request.simplified_paging) {
            Ok(paging) => Some(paging),
            Err(more) => {
                errors.0.extend(more.0);
                None
            }
        };
    errors.into_result()?;
    let query = HistoryQuery {
        customer_id: request.customer_id,
        reach: ctx.reach(),
        from,
        to,
        member: request.member.filter(|m| !m.trim().is_empty()),
        paging: paging.unwrap_or(Paging::All),
    };
    let (mut items, totals) = ctx.store(move |s| s.customer_history(&query)).await?;
    withhold_unknown_sources(&ctx, &mut items).await?;
    Reply::list(ListResponse::new(items, totals))
}

/// The `effective.*` entries of a move name the customers and accounts values came from; as with
/// `includeEffective`, a source the caller may not know of stays unnamed (its value still shows). An account source
/// is known when the caller reaches that account. A customer source is one of the customer's ancestors (or itself)
/// at the time, so whoever reaches whole accounts knows it; a Customer user knows it only when it lies within its
/// reach now, which the store says in one query for the page.
async fn withhold_unknown_sources(ctx: &Ctx, items: &mut [CustomerHistoryEntry]) -> Result<(), ApiError> {
    let named: Vec<(String, bool)> = items.iter().flat_map(effective_source_ids).collect();
    if named.is_empty() {
        return Ok(());
    }
    let reachable_customers: Option<HashSet<String>> = match ctx.reach() {
        scope @ Reach::Subtrees { .. } => {
            let mut ids: Vec<String> =
                named.into_iter().filter(|(_, is_account)| !is_account).map(|(id, _)| id).collect();
            ids.sort();
            ids.dedup();
            let visible = if ids.is_empty() {
                Vec::new()
            } else {
                ctx.store(move |s| s.visible_customer_ids(&ids, &scope)).await?
            };
            Some(visible.into_iter().collect())
        }
        Reach::Everything | Reach::Accounts(_) => None,
    };
    for item in items {
        withhold_effective_sources(item, |id, is_account| {
            if is_account {
                ctx.caller.reaches_account(id)
            } else {
                reachable_customers.as_ref().is_none_or(|reachable| reachable.contains(id))
            }
        });
    }
    Ok(())
}

/// ImportCustomers: the file in the body read into rows (its format from `fileFormat`, else the Content-Type, else
/// the negotiated format when it is CSV, else its content), then imported by the store in one transaction under
/// the caller's reach and field rule. With an `Idempotency-Key`, a retry of the same file answers what the first
/// import answered.
pub async fn import(ctx: Ctx, request: dto::ImportCustomers) -> Result<Reply, ApiError> {
    ctx.caller.may_write_customers()?;
    let upload =
        ctx.upload.clone().ok_or_else(|| ApiError::Internal("ImportCustomers came without its file".into()))?;
    let named = import_format(&ctx, request.file_format.as_deref())?;
    // The file is on disk: telling its format from its content and reading a typed client's envelope read it.
    let file = std::sync::Arc::clone(&upload);
    let (format, envelope) = actix_web::web::block(move || -> std::io::Result<_> {
        let format = match named {
            Some(format) => format,
            None => FileFormat::sniff(&mut file.reader()?)?,
        };
        // A typed client's request as the JSON body: its members beside `items` count as the query's would.
        let envelope = match format {
            FileFormat::Json => {
                serde_json::from_reader::<_, dto::ImportEnvelope>(std::io::BufReader::new(file.reader()?))
                    .unwrap_or_default()
            }
            _ => dto::ImportEnvelope::default(),
        };
        Ok((format, envelope))
    })
    .await
    .map_err(|e| ApiError::Internal(format!("blocking task failed: {e}")))?
    .map_err(|e| ApiError::Internal(format!("reading the uploaded file: {e}")))?;
    let account_id = request.account_id.filter(|a| !a.trim().is_empty()).or(envelope.account_id);
    let dry_run = request.dry_run || envelope.dry_run.unwrap_or(false);
    let include_rows = request.include_rows || envelope.include_rows.unwrap_or(false);
    let skip_refused = request.skip_refused_rows || envelope.skip_refused_rows.unwrap_or(false);
    let claim = if dry_run { None } else { idempotency::claim(&ctx)? };
    if let Some(answer) = idempotency::replay::<ImportCustomersResponse>(&ctx, &claim).await? {
        return Reply::ok(answer);
    }
    let (actor, reach, caller) = (ctx.actor.clone(), ctx.reach(), ctx.caller.clone());
    let stored_claim = claim.clone();
    let outcome = ctx
        .store(move |s| {
            let mut kinds = crate::import::data_kinds_in(s);
            let options = crate::import::ImportOptions { account_id, dry_run, include_rows, skip_refused };
            let input = upload.reader().map_err(|e| canopy_store::StoreError::Io(format!("the uploaded file: {e}")))?;
            let mut file = crate::import::read_file(input, format, options, &mut kinds)?;
            let field_rule = |id: &str, changes: &CustomerChanges| caller.may_patch_customer(id, changes);
            let rows = &mut file.rows;
            s.import_customer_rows(file.request, rows, &actor, &reach, &field_rule, stored_claim.as_ref(), &mut |_| {})
        })
        .await;
    let answer = idempotency::settle(&ctx, &claim, outcome).await?;
    Reply::ok(answer)
}

/// What the import file is written in, when the request says: `fileFormat`, else the body's Content-Type, else CSV
/// when CSV was negotiated (`?format=csv`, a `.csv` suffix). `None`: its content will tell.
fn import_format(ctx: &Ctx, named: Option<&str>) -> Result<Option<FileFormat>, ApiError> {
    if let Some(name) = named.filter(|n| !n.trim().is_empty()) {
        return FileFormat::from_name(name).map(Some).ok_or_else(|| {
            ValidationErrors::single(
                "fileFormat",
                "InvalidValue",
                format!("'{name}' is not one of csv, flatcsv, json, jsonl"),
            )
            .into()
        });
    }
    let content_type = ctx
        .http
        .headers()
        .get(actix_web::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(|v| v.split(';').next().unwrap_or("").trim().to_ascii_lowercase())
        .unwrap_or_default();
    if let Some(format) = FileFormat::from_content_type(&content_type) {
        return Ok(Some(format));
    }
    if ctx.format == crate::negotiation::Format::Csv {
        return Ok(Some(FileFormat::Csv));
    }
    Ok(None)
}

pub async fn set_staging(ctx: Ctx, request: dto::SetCustomerStagingMode) -> Result<Reply, ApiError> {
    require_id("customerId", &request.customer_id)?;
    let Some(is_staging) = request.is_staging else {
        return Err(ValidationErrors::single("isStaging", "NotNull", "'isStaging' must be true or false.").into());
    };
    if let Err(denied) = ctx.caller.may_write_customers() {
        return Err(refuse_visible(&ctx, &request.customer_id, denied).await);
    }
    let changes = CustomerChanges { is_staging: Some(is_staging), ..Default::default() };
    let if_match = IfMatch::expected_version(ctx.if_match);
    let (actor, scope) = (ctx.actor.clone(), ctx.reach());
    let (customer, version) =
        ctx.store(move |s| s.patch_customer(&request.customer_id, &changes, if_match, &actor, &scope)).await?;
    Ok(Reply::with_status(StatusCode::OK, customer).with_etag(version))
}

/// Filters may only name what the caller reaches (`Caller::may_filter_by`); the store says which of the named
/// parents and tags lie within that reach.
async fn check_filter_reach(ctx: &Ctx, request: &dto::ListCustomers) -> Result<(), ApiError> {
    let Some(readable) = ctx.caller.readable_accounts().map(<[String]>::to_vec) else { return Ok(()) };
    let (parents, tags, scope) = (request.parent_customer_ids.clone(), request.tag_ids.clone(), ctx.reach());
    let (visible_parents, known_tags) = ctx
        .store(move |s| {
            let visible = if parents.is_empty() { Vec::new() } else { s.visible_customer_ids(&parents, &scope)? };
            let known = if tags.is_empty() { Vec::new() } else { s.tags_in_accounts(&tags, &readable)? };
            Ok((visible, known))
        })
        .await?;
    ctx.caller.may_filter_by(&FilterIds {
        account_ids: &request.account_ids,
        parent_customer_ids: &request.parent_customer_ids,
        visible_parents: &visible_parents,
        tag_ids: &request.tag_ids,
        known_tags: &known_tags,
    })?;
    Ok(())
}

/// A refusal for a customer the caller may not change: 404 when it cannot see it (so that the answer never tells
/// an unreachable customer from a missing one), else the 403 the rule gave.
async fn refuse_visible(ctx: &Ctx, customer_id: &str, denied: canopy_domain::access::Denied) -> ApiError {
    let (id, scope) = (customer_id.to_owned(), ctx.reach());
    match ctx.store(move |s| s.get_customer(&id, &scope)).await {
        Ok(_) => denied.into(),
        Err(not_visible) => not_visible,
    }
}
