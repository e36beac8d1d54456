//! Resolving every customer of a forest in one pass.
//!
//! [`Forest::new`] indexes the nodes (given in any order) and orders them parents first, breadth-first with an
//! explicit queue, so a 100,000-deep chain costs no stack. Resolving a facet then visits each customer once, in
//! that order: a customer that claims is its own source, any other copies its parent's already-resolved source
//! (an index, O(1)), and a top-level one its account's. The whole pass is O(customers + accounts), whatever the
//! depth; values are only cloned when a caller asks for them.

use std::borrow::Cow;
use std::collections::hash_map::Entry;
use std::collections::HashMap;

use canopy_domain::Schedule;

use crate::error::HierarchyError;
use crate::facet::{Effective, Facet, ScheduleFacet, SourceKind};
use crate::node::{non_empty, AccountNode, CustomerNode};
use crate::schedule::{zone_of, EffectiveSchedule, DEFAULT_TIME_ZONE};

/// Customers and accounts, indexed and ordered parents first.
///
/// Indices used by the resolutions are positions in the slices given to [`Forest::new`].
#[derive(Debug)]
pub struct Forest<'a, C, A> {
    customers: &'a [C],
    accounts: &'a [A],
    index: HashMap<&'a str, u32>,
    parent: Vec<Option<u32>>,
    account: Vec<u32>,
    account_parent: Vec<Option<u32>>,
    order: Vec<u32>,
    account_order: Vec<u32>,
}

/// Where a node's effective value comes from, as an index: copying it from parent to child is O(1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Source {
    Customer(u32),
    Account(u32),
    Default,
}

/// The provenance of one effective value, without its value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SourceRef<'a> {
    pub id: Option<&'a str>,
    pub kind: SourceKind,
}

impl<'a, C: CustomerNode, A: AccountNode> Forest<'a, C, A> {
    /// Indexes `customers` and `accounts`. Every parent, every customer's account and every parent account must be
    /// among them (load the ancestors of the customers you need), ids must be unique, a customer's parent must be
    /// in the same account, and there must be no cycles.
    pub fn new(customers: &'a [C], accounts: &'a [A]) -> Result<Self, HierarchyError> {
        if customers.len() >= u32::MAX as usize || accounts.len() >= u32::MAX as usize {
            return Err(HierarchyError::TooManyNodes);
        }

        let mut account_index: HashMap<&str, u32> = HashMap::with_capacity(accounts.len());
        for (i, account) in accounts.iter().enumerate() {
            match account_index.entry(account.id()) {
                Entry::Occupied(_) => {
                    return Err(HierarchyError::DuplicateAccount { account: account.id().to_owned() })
                }
                Entry::Vacant(slot) => {
                    slot.insert(i as u32);
                }
            }
        }
        let mut account_parent = Vec::with_capacity(accounts.len());
        for account in accounts {
            let parent = match non_empty(account.parent_account_id()) {
                None => None,
                Some(parent) => Some(*account_index.get(parent).ok_or_else(|| {
                    HierarchyError::UnknownParentAccount { account: account.id().to_owned(), parent: parent.to_owned() }
                })?),
            };
            account_parent.push(parent);
        }
        let account_order = parents_first(&account_parent)
            .map_err(|i| HierarchyError::AccountCycle { account: accounts[i].id().to_owned() })?;

        let mut index: HashMap<&str, u32> = HashMap::with_capacity(customers.len());
        let mut account = Vec::with_capacity(customers.len());
        for (i, customer) in customers.iter().enumerate() {
            match index.entry(customer.id()) {
                Entry::Occupied(_) => {
                    return Err(HierarchyError::DuplicateCustomer { customer: customer.id().to_owned() })
                }
                Entry::Vacant(slot) => {
                    slot.insert(i as u32);
                }
            }
            account.push(*account_index.get(customer.account_id()).ok_or_else(|| HierarchyError::MissingAccount {
                customer: customer.id().to_owned(),
                account: customer.account_id().to_owned(),
            })?);
        }
        let mut parent = Vec::with_capacity(customers.len());
        for (i, customer) in customers.iter().enumerate() {
            let link = match non_empty(customer.parent_id()) {
                None => None,
                Some(parent_id) => {
                    let p = *index.get(parent_id).ok_or_else(|| HierarchyError::UnknownParent {
                        customer: customer.id().to_owned(),
                        parent: parent_id.to_owned(),
                    })?;
                    if account[p as usize] != account[i] {
                        return Err(HierarchyError::CrossAccountParent {
                            customer: customer.id().to_owned(),
                            parent: parent_id.to_owned(),
                        });
                    }
                    Some(p)
                }
            };
            parent.push(link);
        }
        let order = parents_first(&parent)
            .map_err(|i| HierarchyError::CustomerCycle { customer: customers[i].id().to_owned() })?;

        Ok(Self { customers, accounts, index, parent, account, account_parent, order, account_order })
    }

    pub fn len(&self) -> usize {
        self.customers.len()
    }

    pub fn is_empty(&self) -> bool {
        self.customers.is_empty()
    }

    pub fn customers(&self) -> &'a [C] {
        self.customers
    }

    /// The position of customer `id` in the slice given to [`Forest::new`].
    pub fn index_of(&self, id: &str) -> Option<usize> {
        self.index.get(id).map(|&i| i as usize)
    }

    /// Resolves `facet` for every customer, in one pass.
    pub fn resolve<F: Facet>(&self, facet: F) -> Resolved<'_, 'a, F, C, A> {
        let mut account_sources = vec![Source::Default; self.accounts.len()];
        if facet.reaches_accounts() {
            for &a in &self.account_order {
                let a = a as usize;
                account_sources[a] = if facet.account_claims(&self.accounts[a]) {
                    Source::Account(a as u32)
                } else {
                    self.account_parent[a].map_or(Source::Default, |p| account_sources[p as usize])
                };
            }
        }

        let mut sources = vec![Source::Default; self.customers.len()];
        for &i in &self.order {
            let i = i as usize;
            let parent = self.parent[i];
            sources[i] = if facet.customer_claims(&self.customers[i], parent.is_none()) {
                Source::Customer(i as u32)
            } else if let Some(p) = parent {
                sources[p as usize]
            } else if facet.reaches_accounts() {
                account_sources[self.account[i] as usize]
            } else {
                Source::Default
            };
        }
        Resolved { forest: self, facet, sources }
    }

    /// Resolves every customer's effective schedule and time zone, in one pass each.
    pub fn resolve_schedules(&self) -> ResolvedSchedules<'_, 'a, C, A> {
        let owners = self.resolve(ScheduleFacet);
        // The zone of a customer is its effective schedule's zone when non-empty, else its parent's zone. Walking
        // parents first, that is: the customer itself when it owns its schedule and names a zone, else whatever
        // its parent got (an inheriting customer's effective schedule is its parent's, so its parent already
        // looked at it).
        let mut zones: Vec<Option<u32>> = vec![None; self.customers.len()];
        for &i in &self.order {
            let i = i as usize;
            let parent = self.parent[i];
            let names_zone = owners.sources[i] == Source::Customer(i as u32)
                && self.customers[i].schedule().and_then(zone_of).is_some();
            zones[i] = if names_zone { Some(i as u32) } else { parent.and_then(|p| zones[p as usize]) };
        }
        ResolvedSchedules { owners, zones }
    }

    fn source_ref(&self, source: Source) -> SourceRef<'a> {
        match source {
            Source::Customer(i) => SourceRef { id: Some(self.customers[i as usize].id()), kind: SourceKind::Customer },
            Source::Account(a) => SourceRef { id: Some(self.accounts[a as usize].id()), kind: SourceKind::Account },
            Source::Default => SourceRef { id: None, kind: SourceKind::Default },
        }
    }
}

/// Every customer's effective value of one facet, kept as source indices.
#[derive(Debug)]
pub struct Resolved<'f, 'a, F, C, A> {
    forest: &'f Forest<'a, C, A>,
    facet: F,
    sources: Vec<Source>,
}

impl<'a, F: Facet, C: CustomerNode, A: AccountNode> Resolved<'_, 'a, F, C, A> {
    pub fn len(&self) -> usize {
        self.sources.len()
    }

    pub fn is_empty(&self) -> bool {
        self.sources.is_empty()
    }

    /// Where the effective value of the customer at `index` comes from.
    pub fn source(&self, index: usize) -> Option<SourceRef<'a>> {
        self.sources.get(index).map(|&source| self.forest.source_ref(source))
    }

    /// The effective value of the customer at `index`, borrowed from its source when the source stores it.
    pub fn value(&self, index: usize) -> Option<Cow<'a, F::Value>> {
        let forest = self.forest;
        self.sources.get(index).map(|&source| match source {
            Source::Customer(i) => self.facet.customer_value(&forest.customers[i as usize]),
            Source::Account(a) => self.facet.account_value(&forest.accounts[a as usize]),
            Source::Default => Cow::Owned(self.facet.built_in()),
        })
    }

    /// The effective value of the customer at `index`, with its provenance.
    pub fn effective(&self, index: usize) -> Option<Effective<F::Value>> {
        let source = self.source(index)?;
        let value = self.value(index)?.into_owned();
        Some(Effective { value, source_id: source.id.map(str::to_owned), source_kind: source.kind })
    }

    /// The effective value of customer `id`, with its provenance.
    pub fn effective_by_id(&self, id: &str) -> Option<Effective<F::Value>> {
        self.effective(self.forest.index_of(id)?)
    }

    /// Every customer's effective value, in the order of the slice given to [`Forest::new`].
    pub fn iter(&self) -> impl Iterator<Item = Effective<F::Value>> + '_ {
        (0..self.len()).filter_map(|i| self.effective(i))
    }
}

/// Every customer's effective schedule and time zone.
#[derive(Debug)]
pub struct ResolvedSchedules<'f, 'a, C, A> {
    owners: Resolved<'f, 'a, ScheduleFacet, C, A>,
    zones: Vec<Option<u32>>,
}

impl<'a, C: CustomerNode, A: AccountNode> ResolvedSchedules<'_, 'a, C, A> {
    pub fn len(&self) -> usize {
        self.zones.len()
    }

    pub fn is_empty(&self) -> bool {
        self.zones.is_empty()
    }

    /// The customer that owns the effective schedule of the customer at `index` (or the default).
    pub fn source(&self, index: usize) -> Option<SourceRef<'a>> {
        self.owners.source(index)
    }

    /// The customer whose schedule names the zone in force at `index`, and that zone ("UTC" by default).
    pub fn time_zone(&self, index: usize) -> Option<(SourceRef<'a>, &'a str)> {
        let forest = self.owners.forest;
        self.zones.get(index).map(|zone| match zone {
            Some(i) => {
                let owner = &forest.customers[*i as usize];
                let zone = owner.schedule().and_then(zone_of).unwrap_or(DEFAULT_TIME_ZONE);
                (SourceRef { id: Some(owner.id()), kind: SourceKind::Customer }, zone)
            }
            None => (SourceRef { id: None, kind: SourceKind::Default }, DEFAULT_TIME_ZONE),
        })
    }

    /// The effective schedule of the customer at `index`, its zone filled in.
    pub fn effective(&self, index: usize) -> Option<EffectiveSchedule> {
        let schedule: Effective<Schedule> = self.owners.effective(index)?;
        let (zone_source, zone) = self.time_zone(index)?;
        let time_zone = Effective {
            value: zone.to_owned(),
            source_id: zone_source.id.map(str::to_owned),
            source_kind: zone_source.kind,
        };
        Some(EffectiveSchedule::new(schedule, time_zone))
    }

    pub fn effective_by_id(&self, id: &str) -> Option<EffectiveSchedule> {
        self.effective(self.owners.forest.index_of(id)?)
    }

    /// Every customer's effective schedule, in the order of the slice given to [`Forest::new`].
    pub fn iter(&self) -> impl Iterator<Item = EffectiveSchedule> + '_ {
        (0..self.len()).filter_map(|i| self.effective(i))
    }
}

/// Orders nodes parents first (breadth-first from the roots, with a queue: no recursion). A node that is never
/// reached lies on or below a cycle; its index is the error.
fn parents_first(parents: &[Option<u32>]) -> Result<Vec<u32>, usize> {
    let n = parents.len();
    // Children in compressed rows: the children of p are children[start[p]..start[p + 1]].
    let mut start = vec![0u32; n + 1];
    for &p in parents.iter().flatten() {
        start[p as usize + 1] += 1;
    }
    for i in 0..n {
        start[i + 1] += start[i];
    }
    let mut next = start.clone();
    let mut children = vec![0u32; start[n] as usize];
    let mut order = Vec::with_capacity(n);
    for (i, parent) in parents.iter().enumerate() {
        match parent {
            Some(p) => {
                let slot = &mut next[*p as usize];
                children[*slot as usize] = i as u32;
                *slot += 1;
            }
            None => order.push(i as u32),
        }
    }
    let mut head = 0;
    while let Some(&node) = order.get(head) {
        head += 1;
        let node = node as usize;
        order.extend_from_slice(&children[start[node] as usize..start[node + 1] as usize]);
    }
    if order.len() == n {
        return Ok(order);
    }
    let mut reached = vec![false; n];
    for &i in &order {
        reached[i as usize] = true;
    }
    Err(reached.iter().position(|&r| !r).unwrap_or(0))
}

#[cfg(test)]
mod tests {
    use super::parents_first;

    #[test]
    fn parents_come_before_their_children_whatever_the_input_order() {
        let parents = [Some(2), None, Some(1), Some(0)];
        let order = parents_first(&parents).expect("a forest");
        let position = |i: u32| order.iter().position(|&o| o == i).expect("every node is ordered");
        assert!(position(1) < position(2));
        assert!(position(2) < position(0));
        assert!(position(0) < position(3));
    }

    #[test]
    fn a_cycle_is_reported_with_a_node_on_or_below_it() {
        let parents = [None, Some(2), Some(1), Some(2)];
        let at = parents_first(&parents).expect_err("a cycle");
        assert!([1, 2, 3].contains(&at));
    }
}
