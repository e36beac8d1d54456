//! An account's system settings: its tag catalogue and its customer data fields.

use std::collections::HashSet;

use canopy_domain::{CustomerDataField, SystemSettings, Tag};
use diesel::prelude::*;

use crate::{
    connection::AnyConnection,
    rows::{color_text, from_doc, to_doc, TagRow},
    schema::{accounts, customer_tags, tags},
    Actor, Store, StoreError, StoreResult, Touches,
};

/// Each list, when present, replaces the stored one whole (as Evo Voice does).
#[derive(Debug, Clone, Default)]
pub struct SystemSettingsChanges {
    pub tags: Option<Vec<Tag>>,
    pub customer_fields: Option<Vec<CustomerDataField>>,
}

impl Store {
    pub fn get_system_settings(&self, account_id: &str) -> StoreResult<SystemSettings> {
        load(&mut *self.conn()?, account_id)
    }

    /// Replaces the given lists. A tag that disappears from the catalogue disappears from every customer too;
    /// a tag that stays (same id) keeps its customers even when renamed or recoloured.
    pub fn patch_system_settings(
        &self,
        account_id: &str,
        changes: &SystemSettingsChanges,
        actor: &Actor,
    ) -> StoreResult<SystemSettings> {
        self.write(Touches::Data, |conn| {
            // The account's write lock first, then the current catalogue: two racing patches see each other's.
            let locked = diesel::update(accounts::table.find(account_id))
                .set((
                    accounts::write_lock.eq(accounts::write_lock + 1),
                    accounts::last_modified_by.eq(actor.user_id.as_deref()),
                ))
                .execute(conn)?;
            if locked == 0 {
                return Err(StoreError::NotFound { entity: "Account", id: account_id.to_owned() });
            }
            let current = load(conn, account_id)?;
            let new_tags = changes.tags.as_deref().unwrap_or(&current.tags);
            let new_fields = changes.customer_fields.as_deref().unwrap_or(&current.customer_fields);
            SystemSettings::validate_catalogue(new_tags, new_fields)?;
            if let Some(fields) = &changes.customer_fields {
                diesel::update(accounts::table.find(account_id))
                    .set(accounts::customer_fields.eq(to_doc(fields)?))
                    .execute(conn)?;
                // Fields may have become unique (or stopped being): the account's values are indexed again, and
                // customers already sharing a value of a field now declared unique refuse the change.
                crate::unique::rebuild(conn, account_id, fields, true)?;
            }
            if let Some(new_tags) = &changes.tags {
                let keep: HashSet<&str> = new_tags.iter().map(|t| t.id.as_str()).collect();
                let removed: Vec<String> =
                    current.tags.iter().filter(|t| !keep.contains(t.id.as_str())).map(|t| t.id.clone()).collect();
                if !removed.is_empty() {
                    diesel::delete(
                        customer_tags::table
                            .filter(customer_tags::account_id.eq(account_id))
                            .filter(customer_tags::tag_id.eq_any(&removed)),
                    )
                    .execute(conn)?;
                    crate::customers::recompute_tag_ids(conn, account_id)?;
                    diesel::delete(
                        tags::table.filter(tags::account_id.eq(account_id)).filter(tags::id.eq_any(&removed)),
                    )
                    .execute(conn)?;
                }
                for (position, tag) in new_tags.iter().enumerate() {
                    let row = TagRow {
                        account_id: account_id.to_owned(),
                        id: tag.id.clone(),
                        name: tag.name.clone(),
                        color: color_text(tag.color)?,
                        position: position as i32,
                    };
                    let updated = diesel::update(tags::table.find((account_id, &tag.id)))
                        .set((tags::name.eq(&row.name), tags::color.eq(&row.color), tags::position.eq(row.position)))
                        .execute(conn)?;
                    if updated == 0 {
                        diesel::insert_into(tags::table).values(&row).execute(conn)?;
                    }
                }
            }
            load(conn, account_id)
        })
    }
}

fn load(conn: &mut AnyConnection, account_id: &str) -> StoreResult<SystemSettings> {
    let fields: Option<String> =
        accounts::table.find(account_id).select(accounts::customer_fields).first(conn).optional()?;
    let fields = fields.ok_or_else(|| StoreError::NotFound { entity: "Account", id: account_id.to_owned() })?;
    let tag_rows: Vec<TagRow> = tags::table
        .filter(tags::account_id.eq(account_id))
        .order_by(tags::position.asc())
        .select(TagRow::as_select())
        .load(conn)?;
    Ok(SystemSettings {
        account_id: account_id.to_owned(),
        tags: tag_rows.into_iter().map(TagRow::into_tag).collect::<StoreResult<_>>()?,
        customer_fields: from_doc("customer_fields", &fields)?,
    })
}
