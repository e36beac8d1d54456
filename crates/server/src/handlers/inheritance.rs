//! Effective values down the hierarchy, with where they come from (`canopy-inherit` decides, the store loads the
//! chain), and schedule tests (`canopy-schedule` decides).

use canopy_domain::{access::Caller, patch::CustomerChanges, AccountInfo, CustomerInfo, ValidationErrors};
use canopy_inherit::SourceKind;
use canopy_schedule::ChainLink;

use crate::{
    api::{Ctx, Reply},
    dto::{
        self, CustomerWithEffective, EffectiveValues, InheritedAppSettings, InheritedBillingSettings,
        InheritedSchedule, TestScheduleResponse,
    },
    error::ApiError,
};

async fn chain(
    ctx: &Ctx,
    customer_id: String,
) -> Result<(Vec<canopy_domain::CustomerInfo>, Vec<canopy_domain::AccountInfo>), ApiError> {
    if customer_id.trim().is_empty() {
        return Err(ValidationErrors::single("customerId", "NotEmpty", "'customerId' must not be empty.").into());
    }
    let scope = ctx.reach();
    ctx.store(move |s| s.customer_chain(&customer_id, &scope)).await
}

/// A chain the store handed over that the resolver refuses is our fault, not the client's.
fn hierarchy_fault(e: canopy_inherit::HierarchyError) -> ApiError {
    ApiError::Internal(format!("inheritance chain: {e}"))
}

/// The id of a source the caller may know of (see `Caller::visible_source`).
fn shown_source(ctx: &Ctx, customers: &[CustomerInfo], source_id: Option<String>, kind: SourceKind) -> Option<String> {
    let mut own = customers.first().cloned().unwrap_or_default();
    ctx.caller.redact(&mut own);
    ctx.caller.visible_source(&own, source_id, kind == SourceKind::Account)
}

pub async fn billing(ctx: Ctx, request: dto::CustomerRef) -> Result<Reply, ApiError> {
    let (customers, accounts) = chain(&ctx, request.customer_id).await?;
    let effective = canopy_inherit::resolve_billing_chain(&customers, &accounts).map_err(hierarchy_fault)?;
    Reply::ok(InheritedBillingSettings {
        billing_settings: effective.value,
        source_id: shown_source(&ctx, &customers, effective.source_id, effective.source_kind),
        source_kind: effective.source_kind,
    })
}

pub async fn app_settings(ctx: Ctx, request: dto::CustomerRef) -> Result<Reply, ApiError> {
    let (customers, _) = chain(&ctx, request.customer_id).await?;
    let effective = canopy_inherit::resolve_app_settings_chain(&customers).map_err(hierarchy_fault)?;
    Reply::ok(InheritedAppSettings {
        app_settings: effective.value,
        source_id: shown_source(&ctx, &customers, effective.source_id, effective.source_kind),
        source_kind: effective.source_kind,
    })
}

pub async fn schedule(ctx: Ctx, request: dto::CustomerRef) -> Result<Reply, ApiError> {
    let (customers, _) = chain(&ctx, request.customer_id).await?;
    let effective = canopy_inherit::resolve_schedule_chain(&customers).map_err(hierarchy_fault)?;
    Reply::ok(InheritedSchedule {
        schedule: effective.schedule.value,
        source_id: shown_source(&ctx, &customers, effective.schedule.source_id, effective.schedule.source_kind),
        source_kind: effective.schedule.source_kind,
        time_zone_source_id: shown_source(
            &ctx,
            &customers,
            effective.time_zone.source_id,
            effective.time_zone.source_kind,
        ),
    })
}

pub async fn test_schedule(ctx: Ctx, request: dto::TestSchedule) -> Result<Reply, ApiError> {
    let Some(at) = request.date_time.as_deref().and_then(canopy_schedule::parse_at) else {
        return Err(ValidationErrors::single(
            "dateTime",
            "InvalidValue",
            "'dateTime' must be an ISO 8601 date and time, e.g. 2026-03-29T02:30:00 or 2026-03-29T00:30:00Z",
        )
        .into());
    };
    if let Some(schedule) = &request.schedule {
        canopy_schedule::validate(schedule, "schedule")?;
    }
    let (customers, _) = chain(&ctx, request.customer_id.clone()).await?;
    // A schedule in the request stands in for the customer's stored one, exactly as if it were stored.
    let links: Vec<ChainLink<'_>> = customers
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let schedule =
                if i == 0 && request.schedule.is_some() { request.schedule.as_ref() } else { c.schedule.as_ref() };
            ChainLink::new(&c.id, schedule)
        })
        .collect();
    Reply::ok(TestScheduleResponse::from(canopy_schedule::evaluate(&links, at)))
}

/// The write-time schedule checks, for NewCustomer and PatchCustomer.
pub fn validate_schedule(changes: &CustomerChanges) -> Result<(), ApiError> {
    match &changes.schedule {
        Some(schedule) => canopy_schedule::validate(schedule, "schedule").map_err(ApiError::from),
        None => Ok(()),
    }
}

/// Effective values for a whole list in one pass over the forest they and their ancestors form: linear in the
/// number of customers, whatever the depth.
pub fn with_effective(
    caller: &Caller,
    items: Vec<CustomerInfo>,
    ancestors: Vec<CustomerInfo>,
    accounts: &[AccountInfo],
) -> Result<Vec<CustomerWithEffective>, ApiError> {
    let listed = items.len();
    let mut all = items;
    all.extend(ancestors);
    let effective: Vec<EffectiveValues> = {
        let forest = canopy_inherit::Forest::new(&all, accounts).map_err(hierarchy_fault)?;
        let billing = forest.resolve(canopy_inherit::BillingSettingsFacet);
        let app = forest.resolve(canopy_inherit::AppSettingsFacet);
        let schedules = forest.resolve_schedules();
        (0..listed)
            .map(|i| {
                let missing = || ApiError::Internal(format!("no effective values for customer #{i}"));
                Ok(EffectiveValues {
                    billing_settings: billing.effective(i).ok_or_else(missing)?,
                    app_settings: app.effective(i).ok_or_else(missing)?,
                    schedule: schedules.effective(i).ok_or_else(missing)?.schedule,
                })
            })
            .collect::<Result<_, ApiError>>()?
    };
    all.truncate(listed);
    Ok(all
        .into_iter()
        .zip(effective)
        .map(|(mut customer, mut effective)| {
            // Resolved on the whole path; shown as far as the caller reaches.
            caller.redact(&mut customer);
            for (source, kind) in [
                (&mut effective.billing_settings.source_id, effective.billing_settings.source_kind),
                (&mut effective.app_settings.source_id, effective.app_settings.source_kind),
                (&mut effective.schedule.source_id, effective.schedule.source_kind),
            ] {
                *source = caller.visible_source(&customer, source.take(), kind == SourceKind::Account);
            }
            CustomerWithEffective { customer, effective }
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use canopy_domain::history::EFFECTIVE_RECORDED;
    use canopy_inherit::Effective;

    use crate::dto::EffectiveValues;

    /// A move's history names effective values as `includeEffective` does: a facet added to one must reach both.
    #[test]
    fn the_effective_members_of_a_moves_history_are_those_include_effective_answers() {
        let effective = EffectiveValues {
            billing_settings: Effective::built_in(Default::default()),
            app_settings: Effective::built_in(Default::default()),
            schedule: Effective::built_in(Default::default()),
        };
        let Ok(serde_json::Value::Object(members)) = serde_json::to_value(&effective) else {
            panic!("effective values are an object")
        };
        let named: Vec<String> = members.keys().map(|key| format!("effective.{key}")).collect();
        assert_eq!(named, EFFECTIVE_RECORDED);
    }
}
