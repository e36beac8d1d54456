//! Effective schedules: which customer's schedule is in force, and which zone it is read in.
//!
//! The schedule in force is resolved like any facet ([`ScheduleFacet`]). The zone then cascades on its own
//! (docs/schedules.md): the zone of a customer is its effective schedule's `timeZoneId` when non-empty, else
//! its parent's zone, else "UTC". Unrolled, that is the nearest customer up the chain (itself included) that owns
//! its schedule and names a zone. A zone on a schedule with `inherit: true` below the top level is never read:
//! the whole schedule, zone included, comes from above.

use canopy_domain::Schedule;
use serde::{Deserialize, Serialize};

use crate::chain::resolve_chain;
use crate::error::HierarchyError;
use crate::facet::{Effective, Facet, ScheduleFacet};
use crate::node::CustomerNode;

/// The zone of a chain in which no owned schedule names one.
pub const DEFAULT_TIME_ZONE: &str = "UTC";

/// A customer's effective schedule and the zone it is read in.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct EffectiveSchedule {
    /// The owner's schedule as stored, except `timeZoneId`, which holds the zone in force. Its source is the
    /// customer that owns it, or the empty schedule with `sourceKind` `default` when no one up the chain has one.
    pub schedule: Effective<Schedule>,
    /// The zone in force and the customer whose schedule names it; "UTC" with `sourceKind` `default` when none.
    pub time_zone: Effective<String>,
}

impl EffectiveSchedule {
    /// Fills the schedule's zone with the one in force.
    pub fn new(mut schedule: Effective<Schedule>, time_zone: Effective<String>) -> Self {
        schedule.value.time_zone_id = Some(time_zone.value.clone());
        Self { schedule, time_zone }
    }
}

/// The zone a schedule names, if any: an absent or blank `timeZoneId` names none.
pub fn zone_of(schedule: &Schedule) -> Option<&str> {
    schedule.time_zone_id.as_deref().map(str::trim).filter(|zone| !zone.is_empty())
}

/// The effective schedule of `customers[0]`, given its chain nearest-first up to the top-level customer.
pub fn resolve_schedule_chain<C: CustomerNode>(customers: &[C]) -> Result<EffectiveSchedule, HierarchyError> {
    let schedule = resolve_chain::<_, C, canopy_domain::AccountInfo>(&ScheduleFacet, customers, &[])?;
    let top_level = customers.len() - 1;
    let zone_owner = customers.iter().enumerate().find_map(|(i, customer)| {
        if !ScheduleFacet.customer_claims(customer, i == top_level) {
            return None;
        }
        customer.schedule().and_then(zone_of).map(|zone| (customer.id(), zone))
    });
    let time_zone = match zone_owner {
        Some((id, zone)) => Effective::from_customer(zone.to_owned(), id),
        None => Effective::built_in(DEFAULT_TIME_ZONE.to_owned()),
    };
    Ok(EffectiveSchedule::new(schedule, time_zone))
}
