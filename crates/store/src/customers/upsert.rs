//! ImportCustomers: a file's rows written into one account as an upsert, in one transaction.
//!
//! The plan holds each row's keys only ([`ImportRow`]); its values are read again ([`RowValues`]) when the row is
//! checked and written, so an import's memory does not grow with the values of its rows.
//!
//! 1. Plan, without writing: each row is matched to an existing customer of the account by `id`, else by
//!    `referenceId`, or becomes a new one; each row's parent is resolved (a row of the file, by its `id` or
//!    `referenceId`, or an existing customer); rows are put parent-first whatever their order in the file; every
//!    refusal the keys show (parents missing, in another account or out of reach, cycles among rows, duplicates,
//!    a new customer without a name) is collected with its row.
//! 2. Write, parent-first: each row's values are read and checked (unknown tags, data against the account's
//!    fields); new customers go in by multi-row INSERTs (a few hundred at a time, flushed before any update so a
//!    move sees them), existing ones are changed by the members that differ (a row that changes nothing writes
//!    nothing), with the same move checks as PatchCustomer. The first refusal stops the writes (as does one only
//!    a write can find: a move under its own subtree through customers not in the file, a unique data value); the
//!    remaining rows are still checked, their values and the field rule. When the plan refused already, nothing
//!    is written and every row's values are checked.
//!
//! Any refusal rolls the whole transaction back and is answered with every refused row. A dry run does all of the
//! above in a transaction that is always rolled back, so its counts are exactly what the import would do.

use std::collections::{HashMap, HashSet};

use canopy_domain::{
    access::{Denied, Reach},
    account::validate_customer_data,
    hierarchy::{self, check_move, child_path, MoveRefusal},
    history::diff,
    import::{parent_first_order, row_field, ImportAction, ImportCustomersResponse, ImportedRow, RowKeys},
    patch::{optional_text, CustomerChanges},
    CustomerDataField, DataFieldUniqueness, FieldError, Tag, ValidationErrors,
};
use diesel::prelude::*;

use super::{
    hydrate::get_in_reach,
    path_in_reach,
    row::{distinct_tag_ids, CustomerChangeset, CustomerInsert, PlacedCustomer},
    write::{before_change, customer_fields_of, lock_account, move_subtree, replace_tags},
};
use crate::{
    connection::AnyConnection,
    history, new_id, now_text,
    rows::CustomerRow,
    schema::{customer_tags, customers, tags},
    Actor, IdempotencyClaim, Store, StoreError, StoreResult, Touches,
};

/// The operation history records imported changes under.
const OPERATION: &str = "ImportCustomers";
/// Rows per multi-row INSERT: 22 columns each (11,000 parameters) stays under both backends' parameter limits.
const ROWS_PER_INSERT: usize = 500;
/// Ids a new customer may not take: `/customers/import` is ImportCustomers's route, so a customer with that id
/// could never be read or changed by its own.
const RESERVED_IDS: [&str; 1] = ["import"];
/// Ids or references per look-up statement.
const KEYS_PER_LOOKUP: usize = 500;
/// Customers' paths an import remembers (for the parents of the rows after them) before it forgets them all and
/// reads them again as needed: about 4 MiB.
const PATHS_KEPT: usize = 20_000;

/// One row of an import file as the plan needs it: what names the row, its customer and its parent, without the
/// values it sets. Those are read again, row by row, while the import writes ([`RowValues`]), so that an import
/// holds a few keys per row and never every row's values: memory stays flat however long the file.
#[derive(Debug, Clone)]
pub struct ImportRow {
    /// Its number in the file, counting from 1.
    pub row: usize,
    /// Its keys, without `tag_names` (read again with the values).
    pub keys: RowKeys,
    /// The `referenceId` it sets (`""` clears it), by which it may match a customer or be another row's parent.
    pub reference_id: Option<String>,
    /// Whether it sets a non-blank name (a new customer needs one).
    pub named: bool,
    /// Refused already by a check that needs nothing but the row: it still names its customer and parent for
    /// the other rows, and is never written.
    pub refused: bool,
}

impl ImportRow {
    /// The row numbered `row` as the plan needs it, from everything it was read into.
    pub fn new(row: usize, keys: RowKeys, changes: &CustomerChanges, refused: bool) -> Self {
        Self {
            row,
            keys: RowKeys { tag_names: None, ..keys },
            reference_id: changes.reference_id.clone(),
            named: changes.name.as_deref().is_some_and(|name| !name.trim().is_empty()),
            refused,
        }
    }
}

/// Where an import reads each row's values again while it writes, by its index in [`ImportRequest::rows`]: the
/// row's keys (with its tags by name) and the change it makes, exactly as the first reading gave them.
pub trait RowValues {
    fn read(&mut self, index: usize) -> StoreResult<(RowKeys, CustomerChanges)>;
}

/// What to import, and how.
#[derive(Debug, Clone)]
pub struct ImportRequest {
    pub account_id: String,
    pub rows: Vec<ImportRow>,
    /// Refusals found before the store (reading, checks of a row alone): reported with the store's, by row.
    pub refusals: Vec<(usize, FieldError)>,
    /// Plan and write in a transaction that is rolled back: nothing changes, the counts are what would.
    pub dry_run: bool,
    /// Skip the refused rows (and the rows below them) and import the rest, instead of refusing the file.
    pub skip_refused: bool,
    /// Answer each row's outcome, not only the counts.
    pub include_rows: bool,
}

/// The caller's rule for changing one existing customer (a Customer user may not change some members of the
/// customer it is linked to): checked on the members a row would actually change.
pub type FieldRule<'a> = &'a (dyn Fn(&str, &CustomerChanges) -> Result<(), Denied> + 'a);

/// Where a row's customer is.
#[derive(Debug, Clone)]
enum Target {
    /// Not yet: created with this id.
    New(String),
    /// An existing customer of the account.
    Existing(String),
}

impl Target {
    fn id(&self) -> &str {
        match self {
            Target::New(id) | Target::Existing(id) => id,
        }
    }
}

/// Where a row's customer goes in the tree.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Parent {
    /// An existing customer keeps its place (the row names no parent).
    Keep,
    TopLevel,
    /// Another row of the file.
    Row(usize),
    /// An existing customer that no row of the file names.
    Customer(String),
}

/// A refusal of one row.
struct Refusals(Vec<(usize, FieldError)>);

impl Refusals {
    fn push(&mut self, row: usize, field: &str, code: &str, message: impl Into<String>) {
        self.0.push((row, FieldError::new(&row_field(row, field), code, message)));
    }

    fn extend(&mut self, row: usize, errors: ValidationErrors) {
        for error in errors.0 {
            self.0.push((row, error));
        }
    }

    /// Every refusal, by row (in the order found within a row), as one validation failure.
    fn into_result(mut self) -> StoreResult<()> {
        if self.0.is_empty() {
            return Ok(());
        }
        self.0.sort_by_key(|(row, _)| *row);
        Err(ValidationErrors(self.0.into_iter().map(|(_, error)| error).collect()).into())
    }
}

/// What the plan knows of the account's existing customers that the file names.
#[derive(Default)]
struct Known {
    /// By id (any account): (account, path).
    by_id: HashMap<String, (String, String)>,
    /// By referenceId, within the import's account: (id, path).
    by_reference: HashMap<String, (String, String)>,
}

fn look_up(conn: &mut AnyConnection, account_id: &str, rows: &[ImportRow]) -> StoreResult<Known> {
    let mut ids: HashSet<&str> = HashSet::new();
    let mut references: HashSet<&str> = HashSet::new();
    for row in rows {
        let foreign = row.keys.account_id.as_deref().is_some_and(|a| a != account_id);
        if let (false, Some(id)) = (foreign, row.keys.id.as_deref()) {
            ids.insert(id);
        }
        if let Some(parent) = row.keys.parent_customer_id.as_deref().filter(|p| !p.is_empty()) {
            ids.insert(parent);
        }
        if let Some(Some(reference)) = optional_text(&row.reference_id) {
            references.insert(reference);
        }
        if let Some(reference) = row.keys.parent_reference_id.as_deref() {
            references.insert(reference);
        }
    }
    let mut known = Known::default();
    let ids: Vec<&str> = ids.into_iter().collect();
    for chunk in ids.chunks(KEYS_PER_LOOKUP) {
        let found: Vec<(String, String, String)> = customers::table
            .filter(customers::id.eq_any(chunk))
            .select((customers::id, customers::account_id, customers::path))
            .load(conn)?;
        known.by_id.extend(found.into_iter().map(|(id, account, path)| (id, (account, path))));
    }
    let references: Vec<&str> = references.into_iter().collect();
    for chunk in references.chunks(KEYS_PER_LOOKUP) {
        let found: Vec<(Option<String>, String, String)> = customers::table
            .filter(customers::account_id.eq(account_id))
            .filter(customers::reference_id.eq_any(chunk))
            .select((customers::reference_id, customers::id, customers::path))
            .load(conn)?;
        known.by_reference.extend(found.into_iter().filter_map(|(r, id, path)| Some((r?, (id, path)))));
    }
    Ok(known)
}

/// The rows' customers and parents, their order, and every refusal a plan can find.
struct Plan {
    targets: Vec<Target>,
    order: Vec<usize>,
    /// Where each row's customer goes ([`Plan::parent_change`]).
    parents: Vec<Parent>,
    /// What each row's values are checked against when they are read again.
    catalogue: Catalogue,
    /// Existing customers whose rows give their referenceId to another row's customer: they let go of it before
    /// the writes.
    released: HashMap<String, Release>,
    /// Paths of existing customers as they stand, for the parents of new ones (dropped after a move).
    paths: HashMap<String, String>,
    unique_fields: Option<Vec<CustomerDataField>>,
}

fn plan(
    conn: &mut AnyConnection,
    account_id: &str,
    rows: &[ImportRow],
    reach: &Reach,
    refusals: &mut Refusals,
) -> StoreResult<Plan> {
    let known = look_up(conn, account_id, rows)?;
    let in_reach = |path: &str| path_in_reach(path, account_id, reach);
    let mut paths = HashMap::new();

    // Which customer each row is.
    let mut targets = Vec::with_capacity(rows.len());
    let mut row_by_key: HashMap<&str, usize> = HashMap::new();
    let mut row_by_reference: HashMap<&str, usize> = HashMap::new();
    for (i, row) in rows.iter().enumerate() {
        let n = row.row;
        let foreign = row.keys.account_id.as_deref().is_some_and(|a| a != account_id);
        let by_reference = optional_text(&row.reference_id).flatten().and_then(|r| known.by_reference.get(r));
        let target = match (foreign, row.keys.id.as_deref()) {
            (false, Some(id)) => match known.by_id.get(id) {
                Some((account, _)) if account != account_id => {
                    refusals.push(n, "id", "CrossAccount", format!("customer '{id}' belongs to another account"));
                    Target::New(id.to_owned())
                }
                Some((_, path)) => {
                    paths.insert(id.to_owned(), path.clone());
                    Target::Existing(id.to_owned())
                }
                None => match by_reference {
                    Some((existing, path)) => {
                        paths.insert(existing.clone(), path.clone());
                        Target::Existing(existing.clone())
                    }
                    None => {
                        if !hierarchy::is_valid_id(id) {
                            let mut errors = ValidationErrors::default();
                            hierarchy::check_id(&row_field(n, "id"), id, &mut errors);
                            refusals.extend(n, errors);
                        } else if RESERVED_IDS.contains(&id) {
                            refusals.push(
                                n,
                                "id",
                                "InvalidId",
                                format!("'{id}' names a route (/customers/{id}), not a customer"),
                            );
                        }
                        Target::New(id.to_owned())
                    }
                },
            },
            // A row of another account is a copy: its id names it within the file only.
            _ => match by_reference {
                Some((existing, path)) => {
                    paths.insert(existing.clone(), path.clone());
                    Target::Existing(existing.clone())
                }
                None => Target::New(new_id()),
            },
        };
        if let Target::Existing(id) = &target {
            if !paths.get(id).is_some_and(|path| in_reach(path)) {
                refusals.push(n, "id", "Forbidden", format!("customer '{id}' is outside what this user may reach"));
            }
        }
        if let Some(key) = row.keys.id.as_deref() {
            row_by_key.entry(key).or_insert(i);
        }
        targets.push(target);
    }
    let mut row_of_target: HashMap<&str, usize> = HashMap::with_capacity(targets.len());
    for (i, target) in targets.iter().enumerate() {
        if let Some(&earlier) = row_of_target.get(target.id()) {
            refusals.push(
                rows[i].row,
                "id",
                "Duplicate",
                format!(
                    "row {} already imports customer '{}'; a customer appears once per import",
                    rows[earlier].row,
                    target.id()
                ),
            );
        } else {
            row_of_target.insert(target.id(), i);
        }
    }

    // References: unique within the account once the import is done.
    let mut released = HashMap::new();
    for (i, row) in rows.iter().enumerate() {
        let n = row.row;
        let Some(Some(reference)) = optional_text(&row.reference_id) else { continue };
        match row_by_reference.get(reference) {
            Some(&first) if first != i => refusals.push(
                n,
                "referenceId",
                "Duplicate",
                format!("row {} has the same referenceId; it is unique within the account", rows[first].row),
            ),
            Some(_) => {}
            None => {
                row_by_reference.insert(reference, i);
            }
        }
        // Held by another existing customer: refused, unless that customer's own row gives it another
        // referenceId (or clears it). Then the holder lets go of it before the writes, so that rows may swap
        // references whatever order they are written in.
        if let Some((holder, _)) = known.by_reference.get(reference).filter(|(holder, _)| holder != targets[i].id()) {
            let holder_row = row_of_target.get(holder.as_str()).copied();
            let lets_go =
                holder_row.and_then(|j| rows[j].reference_id.as_deref()).is_some_and(|theirs| theirs != reference);
            let first_taker = row_by_reference.get(reference) == Some(&i);
            if let (true, true, Some(holder_row)) = (lets_go, first_taker, holder_row) {
                released.insert(holder.clone(), Release { reference: reference.to_owned(), holder_row, taker_row: i });
            } else {
                refusals.push(
                    n,
                    "referenceId",
                    "Conflict",
                    format!("customer '{holder}' of this account already has referenceId '{reference}'"),
                );
            }
        }
    }

    // Where each row goes.
    let mut parents = Vec::with_capacity(rows.len());
    for (i, row) in rows.iter().enumerate() {
        let n = row.row;
        let existing_parent = |id: &str, field: &str, refusals: &mut Refusals| match known.by_id.get(id) {
            Some((account, _)) if account != account_id => {
                refusals.push(
                    n,
                    field,
                    "CrossAccount",
                    format!("'{id}' belongs to another account; a parent must be in the customer's own account"),
                );
                Parent::Keep
            }
            Some((_, path)) if in_reach(path) => Parent::Customer(id.to_owned()),
            Some(_) => {
                refusals.push(n, field, "Forbidden", format!("'{id}' is outside what this user may reach"));
                Parent::Keep
            }
            None => {
                refusals.push(
                    n,
                    field,
                    "NotFound",
                    format!("parent customer '{id}' is neither a row of this file nor a customer of the account"),
                );
                Parent::Keep
            }
        };
        let parent = match (row.keys.parent_customer_id.as_deref(), row.keys.parent_reference_id.as_deref()) {
            (Some(""), _) => Parent::TopLevel,
            (Some(parent), _) => match row_by_key.get(parent) {
                Some(&j) => Parent::Row(j),
                None => existing_parent(parent, "parentCustomerId", refusals),
            },
            (None, Some(reference)) => match (row_by_reference.get(reference), known.by_reference.get(reference)) {
                (Some(&j), _) => Parent::Row(j),
                (None, Some((id, path))) if in_reach(path) => Parent::Customer(id.clone()),
                (None, Some((id, _))) => {
                    refusals.push(
                        n,
                        "parentReferenceId",
                        "Forbidden",
                        format!("'{id}' is outside what this user may reach"),
                    );
                    Parent::Keep
                }
                (None, None) => {
                    refusals.push(
                        n,
                        "parentReferenceId",
                        "NotFound",
                        format!("no row of this file and no customer of the account has referenceId '{reference}'"),
                    );
                    Parent::Keep
                }
            },
            (None, None) => match targets[i] {
                Target::New(_) => Parent::TopLevel,
                Target::Existing(_) => Parent::Keep,
            },
        };
        if let Parent::Customer(id) = &parent {
            if let Some((_, path)) = known.by_id.get(id) {
                paths.insert(id.clone(), path.clone());
            }
        }
        if parent == Parent::TopLevel && matches!(reach, Reach::Subtrees { .. }) {
            let makes_top_level = matches!(targets[i], Target::New(_)) || row.keys.parent_customer_id.is_some();
            if makes_top_level {
                refusals.push(n, "parentCustomerId", "Forbidden", "this user may not make customers top-level");
            }
        }
        parents.push(parent);
    }
    let row_parents: Vec<Option<usize>> =
        parents.iter().map(|p| if let Parent::Row(j) = p { Some(*j) } else { None }).collect();
    let (order, cyclic) = parent_first_order(&row_parents);
    for i in cyclic {
        refusals.push(
            rows[i].row,
            "parentCustomerId",
            "Cycle",
            "the rows' parents form a cycle (this row is on it or below it)",
        );
    }

    for (i, row) in rows.iter().enumerate() {
        if matches!(targets[i], Target::New(_)) && !row.named && !row.refused {
            refusals.push(row.row, "name", "NotEmpty", "'name' must not be empty: a new customer needs one");
        }
    }
    // The parent each row asks for, as the change's parentCustomerId ("" is top-level).
    let catalogue = Catalogue::of(conn, account_id)?;
    let unique_fields =
        catalogue.fields.iter().any(|f| f.uniqueness == DataFieldUniqueness::Unique).then(|| catalogue.fields.clone());
    Ok(Plan { targets, order, parents, catalogue, released, paths, unique_fields })
}

/// The member by which `row` names its parent row.
fn parent_field(row: &ImportRow) -> &'static str {
    if row.keys.parent_customer_id.is_some() {
        "parentCustomerId"
    } else {
        "parentReferenceId"
    }
}

/// Why a row below `parent` is skipped.
fn parent_refused(parent: &ImportRow) -> String {
    format!("its parent, row {}, was refused", parent.row)
}

/// A referenceId that an existing customer lets go of, because its own row (`holder_row`) gives it another and
/// the row `taker_row` takes it.
struct Release {
    reference: String,
    holder_row: usize,
    taker_row: usize,
}

impl Plan {
    /// With `skipRefusedRows`, before writing: the rows below a skipped row are skipped too, and a customer whose
    /// row is skipped keeps its referenceId, so the row that would take it over is skipped too; and so on, until
    /// neither finds another row to skip.
    fn skip_what_skipped_rows_hold_up(&mut self, rows: &[ImportRow], skipped: &mut [bool], refusals: &mut Refusals) {
        loop {
            let mut more = false;
            for &i in &self.order {
                if let (false, Parent::Row(j)) = (skipped[i], &self.parents[i]) {
                    if skipped[*j] {
                        skipped[i] = true;
                        more = true;
                        refusals.push(rows[i].row, parent_field(&rows[i]), "ParentRefused", parent_refused(&rows[*j]));
                    }
                }
            }
            let kept: Vec<String> =
                self.released.iter().filter(|(_, r)| skipped[r.holder_row]).map(|(holder, _)| holder.clone()).collect();
            if kept.is_empty() && !more {
                return;
            }
            for holder in kept {
                if let Some(release) = self.released.remove(&holder) {
                    if !skipped[release.taker_row] {
                        skipped[release.taker_row] = true;
                        refusals.push(
                            rows[release.taker_row].row,
                            "referenceId",
                            "Conflict",
                            format!(
                                "customer '{holder}' keeps referenceId '{}': its own row {} was refused",
                                release.reference, rows[release.holder_row].row
                            ),
                        );
                    }
                }
            }
        }
    }

    /// The parent row `i` asks for, as its change's `parentCustomerId` (`""` is top-level, `None` stays).
    fn parent_change(&self, i: usize) -> Option<String> {
        match &self.parents[i] {
            Parent::Keep => None,
            Parent::TopLevel => Some(String::new()),
            Parent::Row(j) => Some(self.targets[*j].id().to_owned()),
            Parent::Customer(id) => Some(id.clone()),
        }
    }
}

/// The account's tags and data fields, which each row's values are checked against as single writes check them.
struct Catalogue {
    /// Every tag, `(id, name)`.
    tags: Vec<(String, String)>,
    tag_ids: HashSet<String>,
    fields: Vec<CustomerDataField>,
}

impl Catalogue {
    fn of(conn: &mut AnyConnection, account_id: &str) -> StoreResult<Self> {
        let tags: Vec<(String, String)> =
            tags::table.filter(tags::account_id.eq(account_id)).select((tags::id, tags::name)).load(conn)?;
        let tag_ids = tags.iter().map(|(id, _)| id.clone()).collect();
        Ok(Self { tags, tag_ids, fields: customer_fields_of(conn, account_id)? })
    }

    /// Turns the tags a row names (the flat CSV) into the change's tag ids, and checks its tags and data; the
    /// refusals name the row `n`.
    fn check(&self, n: usize, tag_names: Option<Vec<String>>, changes: &mut CustomerChanges, refusals: &mut Refusals) {
        if let Some(names) = tag_names {
            match tag_ids_named(&self.tags, &names) {
                Ok(ids) => changes.tag_ids = Some(ids),
                Err((k, message)) => refusals.push(n, &format!("tagNames[{k}]"), "NotFound", message),
            }
        }
        if let Some(tag_ids) = &changes.tag_ids {
            for (k, id) in tag_ids.iter().enumerate() {
                if !self.tag_ids.contains(id) {
                    refusals.push(
                        n,
                        &format!("tagIds[{k}]"),
                        "NotFound",
                        format!("'{id}' is not a tag of this account"),
                    );
                }
            }
        }
        if let Some(data) = &changes.data {
            let mut errors = ValidationErrors::default();
            validate_customer_data(&row_field(n, "data"), data, &self.fields, &mut errors);
            refusals.extend(n, errors);
        }
    }
}

/// A new customer waiting for its multi-row INSERT.
struct PendingCreate {
    /// The row's number in the file.
    row: usize,
    insert: CustomerInsert,
    id: String,
    tag_ids: Vec<String>,
    changes_data: bool,
    data: canopy_domain::Struct,
}

/// Runs one import's plan and writes on `conn`, inside the caller's transaction.
struct Importer<'a> {
    account_id: &'a str,
    actor: &'a Actor,
    field_rule: FieldRule<'a>,
    record_history: bool,
    now: String,
    pending: Vec<PendingCreate>,
    paths: HashMap<String, String>,
    unique_fields: Option<Vec<CustomerDataField>>,
    /// [`Plan::released`]: these customers' referenceIds were cleared before the writes; each is read as it stood.
    released: HashMap<String, String>,
}

impl Importer<'_> {
    /// Lets go of the referenceIds that rows give to other rows' customers, so that no write meets a reference
    /// still held by a customer about to give it up.
    fn release_references(&mut self, conn: &mut AnyConnection) -> StoreResult<()> {
        let ids: Vec<&String> = self.released.keys().collect();
        for chunk in ids.chunks(KEYS_PER_LOOKUP) {
            diesel::update(customers::table.filter(customers::id.eq_any(chunk)))
                .set(customers::reference_id.eq(None::<String>))
                .execute(conn)?;
        }
        Ok(())
    }

    /// With `skipRefusedRows`: writes one row so that a refusal found while writing undoes that row alone, in a
    /// savepoint of its own. Answers what was done, or the row's refusals. A new customer goes into the waiting
    /// multi-row INSERT as usual unless it sets data the account keeps unique (the one refusal a new customer's write
    /// can meet): that one goes in at once, in its savepoint.
    fn write_alone(
        &mut self,
        conn: &mut AnyConnection,
        row: usize,
        target: &Target,
        changes: &CustomerChanges,
    ) -> StoreResult<Result<ImportAction, Refusals>> {
        enum Stop {
            Refused(Refusals),
            Failed(StoreError),
        }
        impl From<diesel::result::Error> for Stop {
            fn from(error: diesel::result::Error) -> Self {
                Stop::Failed(error.into())
            }
        }
        // The one refusal met after something was written is a unique data value (a move's cycle and the field
        // rule are checked before the update writes): only such rows need a savepoint.
        let may_conflict = self.unique_fields.is_some() && changes.data.is_some();
        if !may_conflict {
            return self.write_row(conn, row, target, changes, false);
        }
        // What waits for its INSERT goes in first: rolling back this row must not take other rows with it.
        self.flush(conn)?;
        let outcome = conn.transaction(|conn| match self.write_row(conn, row, target, changes, true) {
            Ok(Ok(action)) => Ok(action),
            Ok(Err(refusals)) => Err(Stop::Refused(refusals)),
            Err(error) => Err(Stop::Failed(error)),
        });
        match outcome {
            Ok(action) => Ok(Ok(action)),
            Err(Stop::Refused(refusals)) => {
                // What this row wrote is undone: so is what was remembered of it.
                self.paths.clear();
                Ok(Err(refusals))
            }
            Err(Stop::Failed(error)) => Err(error),
        }
    }

    /// Creates or updates one row's customer. A new customer waits for its multi-row INSERT unless `at_once`, which
    /// inserts it now so that a unique data value it takes is refused as this row's.
    fn write_row(
        &mut self,
        conn: &mut AnyConnection,
        row: usize,
        target: &Target,
        changes: &CustomerChanges,
        at_once: bool,
    ) -> StoreResult<Result<ImportAction, Refusals>> {
        match target {
            Target::New(id) => {
                self.create(conn, row, id, changes)?;
                match if at_once { self.flush(conn) } else { Ok(()) } {
                    Ok(()) => Ok(Ok(ImportAction::Created)),
                    Err(StoreError::Validation(errors)) => {
                        Ok(Err(Refusals(errors.0.into_iter().map(|e| (row, e)).collect())))
                    }
                    Err(other) => Err(other),
                }
            }
            Target::Existing(id) => Ok(self.update(conn, id, changes)?.action(row)),
        }
    }

    /// An existing customer's row as it stood before the import (with the referenceId it let go of).
    fn current(&self, conn: &mut AnyConnection, id: &str) -> StoreResult<CustomerRow> {
        let mut row = super::hydrate::load_row(conn, id)?;
        if let Some(reference) = self.released.get(id) {
            row.reference_id = Some(reference.clone());
        }
        Ok(row)
    }

    /// A customer's path as it stands now: from what this import wrote or looked up, else from the database.
    fn path_of(&mut self, conn: &mut AnyConnection, id: &str) -> StoreResult<String> {
        if let Some(path) = self.paths.get(id) {
            return Ok(path.clone());
        }
        let path: String = customers::table.find(id).select(customers::path).first(conn)?;
        self.paths.insert(id.to_owned(), path.clone());
        Ok(path)
    }

    fn create(&mut self, conn: &mut AnyConnection, row: usize, id: &str, changes: &CustomerChanges) -> StoreResult<()> {
        let parent_id = optional_text(&changes.parent_customer_id).flatten();
        let parent_path = match parent_id {
            Some(parent) => Some(self.path_of(conn, parent)?),
            None => None,
        };
        let path = child_path(parent_path.as_deref(), id);
        let insert = CustomerInsert::new(
            PlacedCustomer {
                id,
                account_id: self.account_id,
                parent_customer_id: parent_id,
                path: &path,
                name: changes.name.as_deref().unwrap_or_default(),
                fields: changes,
            },
            &self.now,
            self.actor.user_id.as_deref(),
        )?;
        let tag_ids = changes.tag_ids.as_deref().map(distinct_tag_ids).unwrap_or_default();
        let tag_ids = tag_ids.into_iter().map(str::to_owned).collect();
        self.paths.insert(id.to_owned(), path);
        self.pending.push(PendingCreate {
            row,
            insert,
            id: id.to_owned(),
            tag_ids,
            changes_data: changes.data.is_some(),
            data: changes.data.clone().unwrap_or_default(),
        });
        if self.pending.len() >= ROWS_PER_INSERT {
            self.flush(conn)?;
        }
        Ok(())
    }

    /// Inserts the waiting new customers, their tags, their unique data values and their history.
    fn flush(&mut self, conn: &mut AnyConnection) -> StoreResult<()> {
        // Every customer is in the database once this returns, so the paths remembered can be read again:
        // forgetting them keeps memory flat however many rows the import has (nothing reads a path meanwhile).
        if self.paths.len() >= PATHS_KEPT {
            self.paths.clear();
        }
        if self.pending.is_empty() {
            return Ok(());
        }
        let pending = std::mem::take(&mut self.pending);
        let rows: Vec<&CustomerInsert> = pending.iter().map(|p| &p.insert).collect();
        let tag_rows: Vec<_> = pending
            .iter()
            .flat_map(|p| {
                p.tag_ids.iter().map(|tag| {
                    (
                        customer_tags::customer_id.eq(p.id.clone()),
                        customer_tags::account_id.eq(self.account_id.to_owned()),
                        customer_tags::tag_id.eq(tag.clone()),
                    )
                })
            })
            .collect();
        // Multi-row INSERTs are outside diesel's MultiConnection subset, so each backend runs its own.
        match &mut *conn {
            AnyConnection::Sqlite(c) => {
                diesel::insert_into(customers::table).values(rows).execute(c)?;
                for tags in tag_rows.chunks(ROWS_PER_INSERT) {
                    diesel::insert_into(customer_tags::table).values(tags.to_vec()).execute(c)?;
                }
            }
            AnyConnection::Postgresql(c) => {
                diesel::insert_into(customers::table).values(rows).execute(c)?;
                for tags in tag_rows.chunks(ROWS_PER_INSERT) {
                    diesel::insert_into(customer_tags::table).values(tags.to_vec()).execute(c)?;
                }
            }
        }
        if let Some(fields) = &self.unique_fields {
            let with_data: Vec<(usize, &str, &canopy_domain::Struct)> =
                pending.iter().filter(|p| p.changes_data).map(|p| (p.row, p.id.as_str(), &p.data)).collect();
            if let Some((row, field, message)) =
                crate::unique::index_created(conn, self.account_id, &with_data, fields)?
            {
                return Err(ValidationErrors::single(&row_field(row, &field), "Conflict", message).into());
            }
        }
        if self.record_history {
            let mut changes = Vec::with_capacity(pending.len());
            for created in &pending {
                let tags = created
                    .tag_ids
                    .iter()
                    .map(|id| Tag { id: id.clone(), name: String::new(), color: Default::default() })
                    .collect();
                let info = created.insert.to_row().into_info(None, tags, &mut |_| None)?;
                changes.push((created.id.as_str(), diff(None, Some(&info))));
            }
            history::record_many(conn, self.actor, OPERATION, self.account_id, &changes)?;
        }
        Ok(())
    }

    /// Changes an existing customer by the members of `changes` that differ from what it holds. Answers whether
    /// anything changed; a refusal is the row's.
    fn update(&mut self, conn: &mut AnyConnection, id: &str, changes: &CustomerChanges) -> StoreResult<UpdateOutcome> {
        self.flush(conn)?;
        let row = self.current(conn, id)?;
        let before = before_change(conn, &row, true)?;
        let effective = changes.effective_against(&before);
        if effective.is_empty() {
            self.paths.insert(id.to_owned(), row.path);
            return Ok(UpdateOutcome::Unchanged);
        }
        if let Err(denied) = (self.field_rule)(id, &effective) {
            return Ok(UpdateOutcome::Refused(denied.field.unwrap_or("").to_owned(), "Forbidden", denied.message));
        }
        if let Some(new_parent) = optional_text(&effective.parent_customer_id) {
            let new_path = match new_parent {
                Some(parent_id) => {
                    let parent_path = self.path_of(conn, parent_id)?;
                    match check_move(&row.path, &row.account_id, Some((&parent_path, self.account_id))) {
                        Ok(()) => child_path(Some(&parent_path), id),
                        Err(MoveRefusal::Cycle) => {
                            return Ok(UpdateOutcome::Refused(
                                "parentCustomerId".into(),
                                "Cycle",
                                format!("'{parent_id}' is this customer or one of its descendants; moving there would create a cycle"),
                            ))
                        }
                        Err(MoveRefusal::CrossAccount) => {
                            return Ok(UpdateOutcome::Refused(
                                "parentCustomerId".into(),
                                "CrossAccount",
                                format!("'{parent_id}' belongs to another account"),
                            ))
                        }
                    }
                }
                None => child_path(None, id),
            };
            move_subtree(conn, &row.path, &new_path)?;
            // Every path under the moved customer changed: what was remembered may be stale.
            self.paths.clear();
            self.paths.insert(id.to_owned(), new_path);
        } else {
            self.paths.insert(id.to_owned(), row.path.clone());
        }
        let changeset = CustomerChangeset::new(&effective, self.now.clone(), self.actor.user_id.as_deref())?;
        diesel::update(customers::table.find(id))
            .set((changeset, customers::version.eq(customers::version + 1)))
            .execute(conn)?;
        if let Some(tag_ids) = &effective.tag_ids {
            replace_tags(conn, id, self.account_id, tag_ids)?;
        }
        if let (Some(data), Some(fields)) = (&effective.data, &self.unique_fields) {
            match crate::unique::index(conn, self.account_id, id, data, fields) {
                Ok(_) => {}
                Err(StoreError::Conflict { field, message }) => {
                    return Ok(UpdateOutcome::Refused(field, "Conflict", message))
                }
                Err(other) => return Err(other),
            }
        }
        if self.record_history {
            let (after, _) = get_in_reach(conn, id, &Reach::Everything)?;
            history::record(conn, self.actor, OPERATION, id, self.account_id, &diff(Some(&before), Some(&after)))?;
        }
        Ok(UpdateOutcome::Updated)
    }
}

enum UpdateOutcome {
    Updated,
    Unchanged,
    /// The field, the error code and the message.
    Refused(String, &'static str, String),
}

impl UpdateOutcome {
    /// What row `row` did, or its refusal.
    fn action(self, row: usize) -> Result<ImportAction, Refusals> {
        match self {
            UpdateOutcome::Updated => Ok(ImportAction::Updated),
            UpdateOutcome::Unchanged => Ok(ImportAction::Unchanged),
            UpdateOutcome::Refused(field, code, message) => {
                let mut refusals = Refusals(Vec::new());
                refusals.push(row, &field, code, message);
                Err(refusals)
            }
        }
    }
}

/// SQLite's page cache while an import writes: with the default 2 MB, a transaction of tens of thousands of new
/// customers spills pages to the WAL and reads them back for every index it touches (three quarters of the time
/// of 100,000 rows went to that). It is one connection's, for this transaction only, and set back after. 64 MiB
/// imports 100,000 rows as fast as 128 MiB did (13.6 s against 13.3 s, `benches/import/run`), 32 MiB 15 % slower.
const IMPORT_CACHE_KIB: i64 = 64 * 1024;

/// Runs `work` with a larger page cache and (where the connection allows it) statement journals in memory on
/// SQLite, then sets both back to the connection's defaults whatever `work` answered.
fn with_room_for_a_large_write<T>(
    conn: &mut AnyConnection,
    work: impl FnOnce(&mut AnyConnection) -> StoreResult<T>,
) -> StoreResult<T> {
    use diesel::connection::SimpleConnection;
    if !matches!(conn, AnyConnection::Sqlite(_)) {
        return work(conn);
    }
    conn.batch_execute(&format!("PRAGMA cache_size = -{IMPORT_CACHE_KIB};"))?;
    // Statement journals in memory where the connection allows it. Inside a transaction SQLite refuses to change
    // `temp_store` once the connection has opened its temporary database (a migration's `ALTER TABLE … RENAME`
    // does, on the connection that ran it); the import then keeps temporary files, which is only slower.
    let in_memory = conn.batch_execute("PRAGMA temp_store = MEMORY;").is_ok();
    let answer = work(conn);
    let restored = conn.batch_execute("PRAGMA cache_size = -2000;");
    if in_memory {
        if let Err(cause) = conn.batch_execute("PRAGMA temp_store = DEFAULT;") {
            tracing::warn!(%cause, "an import could not set temp_store back; the connection keeps it in memory");
        }
    }
    let answer = answer?;
    restored?;
    Ok(answer)
}

impl Store {
    /// Imports `request`'s rows into its account (see the module documentation), reading each row's values from
    /// `values` as it comes to it. `field_rule` is the caller's rule for changing an existing customer; `progress`
    /// hears how many rows have been written, now and then. With `idempotency`, the answer is kept under the
    /// client's key in the same transaction (not for a dry run, which writes nothing).
    #[allow(clippy::too_many_arguments)] // each is one of the import's inputs; a struct would only rename them
    pub fn import_customer_rows(
        &self,
        request: ImportRequest,
        values: &mut dyn RowValues,
        actor: &Actor,
        reach: &Reach,
        field_rule: FieldRule<'_>,
        idempotency: Option<&IdempotencyClaim>,
        progress: &mut dyn FnMut(u64),
    ) -> StoreResult<ImportCustomersResponse> {
        let ImportRequest { account_id, rows, refusals, dry_run, include_rows, skip_refused } = request;
        let reachable = match reach {
            Reach::Everything => true,
            Reach::Accounts(ids) | Reach::Subtrees { accounts: ids, .. } => ids.contains(&account_id),
        };
        if !reachable {
            return Err(StoreError::Forbidden {
                field: Some("accountId".into()),
                message: "this user may not import customers into that account".into(),
            });
        }
        let record_history = self.records_history();
        let import = |conn: &mut AnyConnection| -> StoreResult<ImportCustomersResponse> {
            if !lock_account(conn, &account_id)? {
                return Err(ValidationErrors::single(
                    "accountId",
                    "NotFound",
                    format!("account '{account_id}' does not exist"),
                )
                .into());
            }
            let mut refusals = Refusals(refusals);
            let mut plan = plan(conn, &account_id, &rows, reach, &mut refusals)?;
            // With skipRefusedRows, the rows refused so far are skipped (and kept as the answer's refusals);
            // otherwise any refusal refuses the file.
            let mut skipped = vec![false; rows.len()];
            let mut skipped_refusals = Refusals(Vec::new());
            if skip_refused {
                for (n, _) in &refusals.0 {
                    skipped[n - 1] = true;
                }
                for (i, row) in rows.iter().enumerate() {
                    skipped[i] |= row.refused;
                }
                plan.skip_what_skipped_rows_hold_up(&rows, &mut skipped, &mut refusals);
                skipped_refusals = std::mem::replace(&mut refusals, Refusals(Vec::new()));
            } else if !refusals.0.is_empty() {
                // Refused before writing: every row's values are still checked, so that the answer names every
                // failing row.
                for (i, row) in rows.iter().enumerate() {
                    let (keys, mut changes) = values.read(i)?;
                    plan.catalogue.check(row.row, keys.tag_names, &mut changes, &mut refusals);
                }
                std::mem::replace(&mut refusals, Refusals(Vec::new())).into_result()?;
            }
            let mut importer = Importer {
                account_id: &account_id,
                actor,
                field_rule,
                record_history,
                now: now_text(),
                pending: Vec::new(),
                paths: std::mem::take(&mut plan.paths),
                unique_fields: plan.unique_fields.take(),
                released: plan.released.iter().map(|(holder, r)| (holder.clone(), r.reference.clone())).collect(),
            };
            importer.release_references(conn)?;
            let mut actions: Vec<Option<ImportAction>> = vec![None; rows.len()];
            let mut response = ImportCustomersResponse { dry_run, ..Default::default() };
            for (done, &i) in plan.order.iter().enumerate() {
                let row = &rows[i];
                if skip_refused && skipped[i] {
                    continue;
                }
                if skip_refused {
                    let parent_skipped = match plan.parents[i] {
                        Parent::Row(j) if skipped[j] => Some(j),
                        _ => None,
                    };
                    let mut own = Refusals(Vec::new());
                    let written = if let Some(j) = parent_skipped {
                        // Its parent row was refused while writing.
                        own.push(row.row, parent_field(row), "ParentRefused", parent_refused(&rows[j]));
                        Err(own)
                    } else {
                        let (keys, mut changes) = values.read(i)?;
                        changes.parent_customer_id = plan.parent_change(i);
                        plan.catalogue.check(row.row, keys.tag_names, &mut changes, &mut own);
                        if own.0.is_empty() {
                            importer.write_alone(conn, row.row, &plan.targets[i], &changes)?
                        } else {
                            Err(own)
                        }
                    };
                    match written {
                        Ok(action) => {
                            response.count(action);
                            actions[i] = Some(action);
                        }
                        Err(own) => {
                            if importer.released.contains_key(plan.targets[i].id()) {
                                // It gives its referenceId to another row, and let go of it already: skipping it
                                // would leave it without. The file is refused whole, as without the option.
                                refusals.0.extend(own.0);
                                refusals.0.append(&mut skipped_refusals.0);
                                break;
                            }
                            skipped[i] = true;
                            skipped_refusals.0.extend(own.0);
                        }
                    }
                } else {
                    let (keys, mut changes) = values.read(i)?;
                    changes.parent_customer_id = plan.parent_change(i);
                    plan.catalogue.check(row.row, keys.tag_names, &mut changes, &mut refusals);
                    let writing = refusals.0.is_empty();
                    let action = match &plan.targets[i] {
                        Target::New(_) if !writing => continue,
                        Target::New(id) => {
                            importer.create(conn, row.row, id, &changes)?;
                            ImportAction::Created
                        }
                        Target::Existing(id) if !writing => {
                            // A write was refused: the rest is only checked, against the customers as they stand.
                            let current = importer.current(conn, id)?;
                            let before = before_change(conn, &current, true)?;
                            if let Err(denied) = field_rule(id, &changes.effective_against(&before)) {
                                refusals.push(row.row, denied.field.unwrap_or(""), "Forbidden", denied.message);
                            }
                            continue;
                        }
                        Target::Existing(id) => match importer.update(conn, id, &changes)?.action(row.row) {
                            Ok(action) => action,
                            Err(refused) => {
                                refusals.0.extend(refused.0);
                                continue;
                            }
                        },
                    };
                    response.count(action);
                    actions[i] = Some(action);
                }
                if done % 1_000 == 999 {
                    progress(done as u64 + 1);
                }
            }
            if refusals.0.is_empty() {
                importer.flush(conn)?;
            }
            refusals.into_result()?;
            // Rows on a cycle are in no order: refused by the plan, so skipped.
            for (i, action) in actions.iter_mut().enumerate() {
                if action.is_none() {
                    *action = Some(ImportAction::Skipped);
                    response.skipped += 1;
                    debug_assert!(skipped[i]);
                }
            }
            skipped_refusals.0.sort_by_key(|(row, _)| *row);
            response.refused = skipped_refusals.0.into_iter().map(|(_, error)| error.into()).collect();
            progress(rows.len() as u64);
            if include_rows {
                response.rows = rows
                    .iter()
                    .zip(&plan.targets)
                    .zip(actions)
                    .filter_map(|((row, target), action)| {
                        Some(ImportedRow { row: row.row, id: target.id().to_owned(), action: action? })
                    })
                    .collect();
            }
            if let (Some(claim), false) = (idempotency, dry_run) {
                crate::idempotency::remember(conn, claim, &response)?;
            }
            Ok(response)
        };
        let work = |conn: &mut AnyConnection| with_room_for_a_large_write(conn, import);
        let response = if dry_run { self.rehearse(work)? } else { self.write(Touches::Data, work)? };
        if !dry_run && response.created >= 10_000 {
            // Fresh statistics after a large load (see `import_customers`); the import has committed whatever
            // this answers, so a failure here is only logged.
            use diesel::connection::SimpleConnection;
            // Only the customers' tables: the history's statistics matter little to its few queries, and it is
            // by far the largest table after an import.
            let analyze = "ANALYZE customers; ANALYZE customer_tags; ANALYZE customer_unique_values;";
            if let Err(cause) = self.conn().and_then(|mut c| Ok(c.batch_execute(analyze)?)) {
                tracing::warn!(%cause, "ANALYZE after an import failed");
            }
        }
        Ok(response)
    }
}

/// The ids of the tags `names` names in an account's catalogue (`(id, name)` pairs): by exact name, else by the one
/// name equal to it ignoring case, as a spreadsheet user may have retyped it. Errs with the position and a message
/// for a name that names no tag, or several.
fn tag_ids_named(catalogue: &[(String, String)], names: &[String]) -> Result<Vec<String>, (usize, String)> {
    names
        .iter()
        .enumerate()
        .map(|(k, name)| {
            let exact: Vec<&String> = catalogue.iter().filter(|(_, n)| n == name).map(|(id, _)| id).collect();
            let matches = if exact.is_empty() {
                catalogue.iter().filter(|(_, n)| n.to_lowercase() == name.to_lowercase()).map(|(id, _)| id).collect()
            } else {
                exact
            };
            match matches.as_slice() {
                [id] => Ok((*id).clone()),
                [] => Err((k, format!("'{name}' is not the name of a tag of this account"))),
                _ => Err((k, format!("'{name}' names several tags of this account; give tagIds instead"))),
            }
        })
        .collect()
}
