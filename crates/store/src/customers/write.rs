//! Creating, changing, moving and deleting customers, and the checks each write makes in its transaction.

use std::collections::HashSet;

use canopy_domain::{
    access::Reach,
    account::validate_customer_data,
    hierarchy::{self, check_move, child_path, subtree_upper_bound, MoveRefusal},
    history::{diff, MemberChange},
    patch::{optional_text, CustomerChanges},
    CustomerDataField, CustomerInfo, FieldError, Tag, ValidationErrors,
};
use diesel::{
    dsl::sql,
    prelude::*,
    sql_types::{Integer, Text},
};

use super::{
    forbidden,
    hydrate::{get_in_reach, load_row},
    in_reach,
    moved::BeforeMove,
    path_in_reach,
    row::{distinct_tag_ids, CustomerChangeset, CustomerInsert, PlacedCustomer},
    NewCustomer,
};
use crate::{
    connection::AnyConnection,
    history, new_id, now_text,
    rows::{from_doc, CustomerRow},
    schema::{accounts, customer_tags, customers, tags},
    Actor, IdempotencyClaim, Store, StoreError, StoreResult, Touches,
};

/// Takes the account's write lock: the first statement of every transaction that changes its customers.
/// On PostgreSQL this row lock serialises such transactions per account (so two moves cannot race into a cycle);
/// on SQLite it makes the transaction a writer from its first statement.
pub(super) fn lock_account(conn: &mut AnyConnection, account_id: &str) -> StoreResult<bool> {
    let updated = diesel::update(accounts::table.find(account_id))
        .set(accounts::write_lock.eq(accounts::write_lock + 1))
        .execute(conn)?;
    Ok(updated == 1)
}

/// Like [`lock_account`], for the account of a customer; false when the customer does not exist.
fn lock_account_of_customer(conn: &mut AnyConnection, customer_id: &str) -> StoreResult<bool> {
    let account = customers::table.filter(customers::id.eq(customer_id)).select(customers::account_id);
    let updated = diesel::update(accounts::table.filter(accounts::id.eq_any(account)))
        .set(accounts::write_lock.eq(accounts::write_lock + 1))
        .execute(conn)?;
    Ok(updated == 1)
}

pub(super) fn customer_fields_of(conn: &mut AnyConnection, account_id: &str) -> StoreResult<Vec<CustomerDataField>> {
    let text: String = accounts::table.find(account_id).select(accounts::customer_fields).first(conn)?;
    from_doc("customer_fields", &text)
}

/// Refuses tag ids that are not in the account's catalogue.
fn check_tags(conn: &mut AnyConnection, account_id: &str, tag_ids: &[String]) -> StoreResult<()> {
    let known: HashSet<String> = tags::table
        .filter(tags::account_id.eq(account_id))
        .filter(tags::id.eq_any(tag_ids))
        .select(tags::id)
        .load::<String>(conn)?
        .into_iter()
        .collect();
    let mut errors = ValidationErrors::default();
    for (i, id) in tag_ids.iter().enumerate() {
        if !known.contains(id) {
            errors.push(FieldError::new(
                &format!("tagIds[{i}]"),
                "NotFound",
                format!("'{id}' is not a tag of this customer's account"),
            ));
        }
    }
    Ok(errors.into_result()?)
}

/// Sets every tagged customer of `account_id`'s `tag_ids` again from `customer_tags`: after tags left the
/// account's catalogue (and so every customer that had them), the one change to `customer_tags` that is not a
/// customer's own write. A correlated subquery, as the migration that added the column fills it. It rewrites every
/// tagged customer of the account, not only those that held a removed tag: one statement for a rare change to a
/// catalogue, rather than finding the holders first and listing each one's remaining tags apart.
pub(crate) fn recompute_tag_ids(conn: &mut AnyConnection, account_id: &str) -> StoreResult<()> {
    let listed = match conn {
        AnyConnection::Sqlite(_) => {
            "coalesce((SELECT json_group_array(customer_tags.tag_id) FROM customer_tags \
             WHERE customer_tags.customer_id = customers.id), '[]')"
        }
        AnyConnection::Postgresql(_) => {
            "coalesce((SELECT json_agg(customer_tags.tag_id)::text FROM customer_tags \
             WHERE customer_tags.customer_id = customers.id), '[]')"
        }
    };
    diesel::update(customers::table.filter(customers::account_id.eq(account_id)).filter(customers::tag_ids.ne("[]")))
        .set(customers::tag_ids.eq(diesel::dsl::sql::<diesel::sql_types::Text>(listed)))
        .execute(conn)?;
    Ok(())
}

/// Makes `customer_tags` hold `tag_ids` (each once) for the customer; its row's `tag_ids` column is written by
/// the same write's insert or changeset (see `row::distinct_tag_ids`).
pub(super) fn replace_tags(
    conn: &mut AnyConnection,
    customer_id: &str,
    account_id: &str,
    tag_ids: &[String],
) -> StoreResult<()> {
    diesel::delete(customer_tags::table.filter(customer_tags::customer_id.eq(customer_id))).execute(conn)?;
    for tag_id in distinct_tag_ids(tag_ids) {
        diesel::insert_into(customer_tags::table)
            .values((
                customer_tags::customer_id.eq(customer_id),
                customer_tags::account_id.eq(account_id),
                customer_tags::tag_id.eq(tag_id),
            ))
            .execute(conn)?;
    }
    Ok(())
}

/// The new parent's path, after checking the move keeps the forest a forest inside one account.
fn resolve_new_parent(
    conn: &mut AnyConnection,
    moving: Option<(&str, &str)>,
    account_id: &str,
    parent_id: &str,
    reach: &Reach,
) -> StoreResult<String> {
    let parent: Option<(String, String)> =
        customers::table.find(parent_id).select((customers::path, customers::account_id)).first(conn).optional()?;
    // Outside the caller's reach, a missing parent and a hidden one look the same: both are refused as forbidden.
    let visible = parent.as_ref().is_some_and(|(path, account)| path_in_reach(path, account, reach));
    if !matches!(reach, Reach::Everything) && !visible {
        return Err(forbidden("parentCustomerId", format!("'{parent_id}' is outside what this user may reach")));
    }
    let Some((parent_path, parent_account)) = parent else {
        return Err(ValidationErrors::single(
            "parentCustomerId",
            "NotFound",
            format!("parent customer '{parent_id}' does not exist"),
        )
        .into());
    };
    let refusal = match moving {
        Some((path, account)) => check_move(path, account, Some((&parent_path, &parent_account))).err(),
        None if parent_account != account_id => Some(MoveRefusal::CrossAccount),
        None => None,
    };
    match refusal {
        None => Ok(parent_path),
        Some(MoveRefusal::Cycle) => Err(ValidationErrors::single(
            "parentCustomerId",
            "Cycle",
            format!("'{parent_id}' is this customer or one of its descendants; moving there would create a cycle"),
        )
        .into()),
        Some(MoveRefusal::CrossAccount) => Err(ValidationErrors::single(
            "parentCustomerId",
            "CrossAccount",
            format!("'{parent_id}' belongs to another account; a parent must be in the customer's own account"),
        )
        .into()),
    }
}

/// The checks against the account that the request alone cannot make: `data` against the account's fields, and
/// tags against its catalogue.
/// Returns the account's data fields when `changes` sets `data` (for [`index_unique_data`]).
fn check_against_account(
    conn: &mut AnyConnection,
    account_id: &str,
    changes: &CustomerChanges,
) -> StoreResult<Option<Vec<CustomerDataField>>> {
    let mut fields = None;
    if let Some(data) = &changes.data {
        let defined = customer_fields_of(conn, account_id)?;
        let mut errors = ValidationErrors::default();
        validate_customer_data("data", data, &defined, &mut errors);
        errors.into_result()?;
        fields = Some(defined);
    }
    if let Some(tag_ids) = &changes.tag_ids {
        check_tags(conn, account_id, tag_ids)?;
    }
    Ok(fields)
}

/// After a write that set `data`: its values of fields declared Unique, checked and recorded.
fn index_unique_data(
    conn: &mut AnyConnection,
    account_id: &str,
    customer_id: &str,
    changes: &CustomerChanges,
    fields: Option<Vec<CustomerDataField>>,
) -> StoreResult<()> {
    match (&changes.data, fields) {
        (Some(data), Some(fields)) => crate::unique::index(conn, account_id, customer_id, data, &fields),
        _ => Ok(()),
    }
}

/// The first steps of every change to an existing customer: take its account's write lock, load it, hide it when
/// it is out of reach, and check the client's `If-Match`.
fn lock_and_load(conn: &mut AnyConnection, id: &str, reach: &Reach, if_match: Option<i64>) -> StoreResult<CustomerRow> {
    let not_found = || StoreError::NotFound { entity: "Customer", id: id.to_owned() };
    if !lock_account_of_customer(conn, id)? {
        return Err(not_found());
    }
    let row = load_row(conn, id)?;
    if !in_reach(&row, reach) {
        return Err(not_found());
    }
    check_if_match(&row, if_match)?;
    Ok(row)
}

fn check_if_match(row: &CustomerRow, if_match: Option<i64>) -> StoreResult<()> {
    match if_match {
        Some(expected) if expected != row.version => Err(StoreError::PreconditionFailed),
        _ => Ok(()),
    }
}

/// Rewrites the paths of the subtree at `old_root` to hang under `new_root`, in one statement.
pub(super) fn move_subtree(conn: &mut AnyConnection, old_root: &str, new_root: &str) -> StoreResult<()> {
    let keep_from = i32::try_from(old_root.len() + 1).map_err(|_| StoreError::Corrupt("path too long".into()))?;
    let upper = subtree_upper_bound(old_root);
    diesel::update(customers::table.filter(customers::path.ge(old_root)).filter(customers::path.lt(upper)))
        .set((
            customers::path.eq(sql::<Text>("")
                .bind::<Text, _>(new_root)
                .sql(" || substr(path, ")
                .bind::<Integer, _>(keep_from)
                .sql(")")),
            customers::version.eq(customers::version + 1),
        ))
        .execute(conn)?;
    Ok(())
}

/// A customer as it stands before a change, for its history, from the row already loaded (no breadcrumb names or
/// account name: the history does not record them). Its tags are read only when `with_tags` (the change sets
/// them, or deletes the customer); otherwise they are left empty for the caller to fill.
pub(super) fn before_change(conn: &mut AnyConnection, row: &CustomerRow, with_tags: bool) -> StoreResult<CustomerInfo> {
    let tags = if with_tags {
        customer_tags::table
            .inner_join(
                tags::table.on(tags::account_id.eq(customer_tags::account_id).and(tags::id.eq(customer_tags::tag_id))),
            )
            .filter(customer_tags::customer_id.eq(&row.id))
            .order(tags::position.asc())
            .select(tags::id)
            .load::<String>(conn)?
            .into_iter()
            .map(|id| Tag { id, name: String::new(), color: Default::default() })
            .collect()
    } else {
        Vec::new()
    };
    row.clone().into_info(None, tags, &mut |_| None)
}

impl Store {
    /// Creates a customer and answers it as stored. With `idempotency`, the answer is also kept under the client's key
    /// in the same transaction.
    pub fn create_customer(
        &self,
        new: NewCustomer,
        actor: &Actor,
        reach: &Reach,
        idempotency: Option<&IdempotencyClaim>,
    ) -> StoreResult<(CustomerInfo, i64)> {
        let mut errors = ValidationErrors::default();
        canopy_domain::validation::check_not_blank("accountId", &new.account_id, &mut errors);
        canopy_domain::validation::check_not_blank("name", &new.name, &mut errors);
        if let Some(id) = &new.id {
            hierarchy::check_id("id", id, &mut errors);
        }
        if let Err(more) = new.fields.validate() {
            errors.0.extend(more.0);
        }
        errors.into_result()?;
        self.write(Touches::Data, |conn| {
            let reachable = match reach {
                Reach::Everything => true,
                Reach::Accounts(ids) => ids.contains(&new.account_id),
                // A customer user creates only below the customers it reaches (checked with the parent).
                Reach::Subtrees { .. } => optional_text(&new.fields.parent_customer_id).flatten().is_some(),
            };
            if !reachable {
                return Err(forbidden("accountId", "this user may not create customers there"));
            }
            if !lock_account(conn, &new.account_id)? {
                return Err(ValidationErrors::single(
                    "accountId",
                    "NotFound",
                    format!("account '{}' does not exist", new.account_id),
                )
                .into());
            }
            let f = &new.fields;
            let id = new.id.clone().unwrap_or_else(new_id);
            let parent_id = optional_text(&f.parent_customer_id).flatten();
            let path = match parent_id {
                Some(parent_id) => {
                    let parent_path = resolve_new_parent(conn, None, &new.account_id, parent_id, reach)?;
                    child_path(Some(&parent_path), &id)
                }
                None => child_path(None, &id),
            };
            let fields = check_against_account(conn, &new.account_id, f)?;
            let row = CustomerInsert::new(
                PlacedCustomer {
                    id: &id,
                    account_id: &new.account_id,
                    parent_customer_id: parent_id,
                    path: &path,
                    name: &new.name,
                    fields: f,
                },
                &now_text(),
                actor.user_id.as_deref(),
            )?;
            diesel::insert_into(customers::table).values(&row).execute(conn)?;
            if let Some(tag_ids) = &f.tag_ids {
                replace_tags(conn, &id, &new.account_id, tag_ids)?;
            }
            index_unique_data(conn, &new.account_id, &id, f, fields)?;
            // Read back on the same connection, in the same transaction: the answer cannot fail after the commit.
            let created = get_in_reach(conn, &id, &Reach::Everything)?;
            if self.records_history() {
                history::record(conn, actor, "NewCustomer", &id, &new.account_id, &diff(None, Some(&created.0)))?;
            }
            if let Some(claim) = idempotency {
                crate::idempotency::remember(conn, claim, &created)?;
            }
            Ok(created)
        })
    }

    /// Applies sparse changes. `if_match` is the version the client last read; a mismatch changes nothing.
    pub fn patch_customer(
        &self,
        id: &str,
        changes: &CustomerChanges,
        if_match: Option<i64>,
        actor: &Actor,
        reach: &Reach,
    ) -> StoreResult<(CustomerInfo, i64)> {
        changes.validate()?;
        self.write(Touches::Data, |conn| {
            let row = lock_and_load(conn, id, reach, if_match)?;
            let before =
                if self.records_history() { Some(before_change(conn, &row, changes.tag_ids.is_some())?) } else { None };
            let fields = check_against_account(conn, &row.account_id, changes)?;
            let now = now_text();
            let new_parent = optional_text(&changes.parent_customer_id);
            // Read before the paths are rewritten: what the moved subtree inherited through, for its history.
            let mut before_move = None;
            if let Some(new_parent) = new_parent {
                if new_parent != row.parent_customer_id.as_deref() {
                    let new_path = match new_parent {
                        Some(parent_id) => {
                            let parent_path = resolve_new_parent(
                                conn,
                                Some((&row.path, &row.account_id)),
                                &row.account_id,
                                parent_id,
                                reach,
                            )?;
                            child_path(Some(&parent_path), &row.id)
                        }
                        None if matches!(reach, Reach::Subtrees { .. }) => {
                            return Err(forbidden("parentCustomerId", "this user may not make customers top-level"))
                        }
                        None => child_path(None, &row.id),
                    };
                    if self.records_history() {
                        before_move = Some(BeforeMove::load(conn, &row.id, &row.account_id, &row.path, &new_path)?);
                    }
                    move_subtree(conn, &row.path, &new_path)?;
                }
            }
            let changeset = CustomerChangeset::new(changes, now, actor.user_id.as_deref())?;
            diesel::update(customers::table.find(id))
                .set((changeset, customers::version.eq(customers::version + 1)))
                .execute(conn)?;
            if let Some(tag_ids) = &changes.tag_ids {
                replace_tags(conn, id, &row.account_id, tag_ids)?;
            }
            index_unique_data(conn, &row.account_id, id, changes, fields)?;
            let after = get_in_reach(conn, id, &Reach::Everything)?;
            if let Some(mut before) = before {
                if changes.tag_ids.is_none() {
                    before.tags.clone_from(&after.0.tags);
                }
                // A move is one change: the moved customer's members and the effective values it changed in its
                // subtree (the moved customer's own first) share one change id.
                let mut changed = vec![(id.to_owned(), diff(Some(&before), Some(&after.0)))];
                if let Some(before_move) = before_move {
                    for (customer_id, effective) in before_move.effective_changes(&after.0)? {
                        if customer_id == id {
                            changed[0].1.extend(effective);
                        } else {
                            changed.push((customer_id, effective));
                        }
                    }
                }
                let customers: Vec<(&str, &[MemberChange])> =
                    changed.iter().map(|(customer_id, members)| (customer_id.as_str(), members.as_slice())).collect();
                history::record_change(conn, actor, "PatchCustomer", &row.account_id, &customers)?;
            }
            Ok(after)
        })
    }

    /// Deletes a leaf customer. One with children is refused, so nothing below it is ever lost.
    pub fn delete_customer(&self, id: &str, if_match: Option<i64>, actor: &Actor, reach: &Reach) -> StoreResult<()> {
        // A deleted customer's user links go with it (ON DELETE CASCADE): what users reach changes too.
        self.write(Touches::DataAndAuth, |conn| {
            let row = lock_and_load(conn, id, reach, if_match)?;
            let children: i64 =
                customers::table.filter(customers::parent_customer_id.eq(id)).count().get_result(conn)?;
            if children > 0 {
                return Err(StoreError::Conflict {
                    field: "customerId".into(),
                    message: format!("customer '{id}' has {children} child customer(s); move or delete them first"),
                });
            }
            if self.records_history() {
                let before = before_change(conn, &row, true)?;
                history::record(conn, actor, "DeleteCustomer", id, &row.account_id, &diff(Some(&before), None))?;
            }
            diesel::delete(customer_tags::table.filter(customer_tags::customer_id.eq(id))).execute(conn)?;
            diesel::delete(customers::table.find(id)).execute(conn)?;
            Ok(())
        })
    }
}
