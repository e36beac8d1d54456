//! Customer data fields declared `Unique`: enforced within the account by a table whose primary key is (account,
//! field, value digest). A write that would give two customers one value fails on that key, on both backends,
//! however the writes race; every write that changes `data` or the account's field definitions runs under the
//! account's write lock anyway.

use canopy_domain::{account::unique_values, CustomerDataField, Struct};
use diesel::prelude::*;
use sha2::{Digest, Sha256};

use crate::{
    connection::AnyConnection,
    rows::from_doc,
    schema::{customer_unique_values, customers},
    StoreError, StoreResult,
};

fn digest(canonical: &str) -> String {
    Sha256::digest(canonical.as_bytes()).iter().map(|b| format!("{b:02x}")).collect()
}

/// Records `customer_id`'s unique values (replacing what it had). A value another customer of the account holds
/// is a 409 naming `data.<field>`. Runs under the account's write lock, so the look-up cannot race; the primary
/// key stays as a last guard (and a failed INSERT would abort a PostgreSQL transaction, so it is not the check).
pub(crate) fn index(
    conn: &mut AnyConnection,
    account_id: &str,
    customer_id: &str,
    data: &Struct,
    fields: &[CustomerDataField],
) -> StoreResult<()> {
    diesel::delete(customer_unique_values::table.filter(customer_unique_values::customer_id.eq(customer_id)))
        .execute(conn)?;
    for (field, canonical) in unique_values(data, fields) {
        let value_digest = digest(&canonical);
        let holder: Option<String> = customer_unique_values::table
            .find((account_id, &field, &value_digest))
            .select(customer_unique_values::customer_id)
            .first(conn)
            .optional()?;
        if holder.is_some() {
            return Err(StoreError::Conflict {
                field: format!("data.{field}"),
                message: format!("another customer of this account already has this '{field}'"),
            });
        }
        diesel::insert_into(customer_unique_values::table)
            .values((
                customer_unique_values::account_id.eq(account_id),
                customer_unique_values::field.eq(&field),
                customer_unique_values::value_digest.eq(&value_digest),
                customer_unique_values::customer_id.eq(customer_id),
            ))
            .execute(conn)?;
    }
    Ok(())
}

/// Records the unique values of customers just created in bulk (an import): one look-up and one multi-row INSERT
/// per few hundred values instead of three statements per customer. Answers the first customer (its tag, such as
/// its row number) whose value another customer of the account already holds, or one created before it in the same
/// batch, with the field and a message; then nothing is recorded.
pub(crate) fn index_created<T: Copy>(
    conn: &mut AnyConnection,
    account_id: &str,
    created: &[(T, &str, &Struct)],
    fields: &[CustomerDataField],
) -> StoreResult<Option<(T, String, String)>> {
    let mut entries: Vec<(T, &str, String, String)> = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for (tag, customer_id, data) in created {
        for (field, canonical) in unique_values(data, fields) {
            let value_digest = digest(&canonical);
            if !seen.insert((field.clone(), value_digest.clone())) {
                let message = format!("another customer of this file already has this '{field}'");
                return Ok(Some((*tag, format!("data.{field}"), message)));
            }
            entries.push((*tag, customer_id, field, value_digest));
        }
    }
    // Looked up field by field, so that each look-up is a range of the primary key (account, field, digest).
    let mut by_field: std::collections::BTreeMap<&str, Vec<&(T, &str, String, String)>> = Default::default();
    for entry in &entries {
        by_field.entry(entry.2.as_str()).or_default().push(entry);
    }
    for (field, field_entries) in by_field {
        for chunk in field_entries.chunks(500) {
            let digests: Vec<&str> = chunk.iter().map(|(_, _, _, d)| d.as_str()).collect();
            let held: std::collections::HashSet<String> = customer_unique_values::table
                .filter(customer_unique_values::account_id.eq(account_id))
                .filter(customer_unique_values::field.eq(field))
                .filter(customer_unique_values::value_digest.eq_any(&digests))
                .select(customer_unique_values::value_digest)
                .load::<String>(conn)?
                .into_iter()
                .collect();
            if let Some((tag, ..)) = chunk.iter().find(|(_, _, _, d)| held.contains(d)) {
                let message = format!("another customer of this account already has this '{field}'");
                return Ok(Some((*tag, format!("data.{field}"), message)));
            }
        }
    }
    let rows: Vec<_> = entries
        .iter()
        .map(|(_, customer_id, field, value_digest)| {
            (
                customer_unique_values::account_id.eq(account_id.to_owned()),
                customer_unique_values::field.eq(field.clone()),
                customer_unique_values::value_digest.eq(value_digest.clone()),
                customer_unique_values::customer_id.eq((*customer_id).to_owned()),
            )
        })
        .collect();
    for chunk in rows.chunks(500) {
        // Multi-row INSERTs are outside diesel's MultiConnection subset, so each backend runs its own.
        match &mut *conn {
            AnyConnection::Sqlite(c) => {
                diesel::insert_into(customer_unique_values::table).values(chunk.to_vec()).execute(c)?
            }
            AnyConnection::Postgresql(c) => {
                diesel::insert_into(customer_unique_values::table).values(chunk.to_vec()).execute(c)?
            }
        };
    }
    Ok(None)
}

/// Rebuilds an account's unique values from its customers, after its field definitions changed or a bulk load.
/// With `strict`, two customers sharing a value of a field now declared unique refuse the change (409 naming
/// `customerFields`); without (a bulk load, or data written before uniqueness was enforced), the first keeps it.
/// Computed in memory and written by multi-row INSERTs: a hundred thousand customers take a few statements.
pub(crate) fn rebuild(
    conn: &mut AnyConnection,
    account_id: &str,
    fields: &[CustomerDataField],
    strict: bool,
) -> StoreResult<()> {
    diesel::delete(customer_unique_values::table.filter(customer_unique_values::account_id.eq(account_id)))
        .execute(conn)?;
    if !fields.iter().any(|f| f.uniqueness == canopy_domain::DataFieldUniqueness::Unique) {
        return Ok(());
    }
    let rows: Vec<(String, String)> = customers::table
        .filter(customers::account_id.eq(account_id))
        .order_by(customers::id.asc())
        .select((customers::id, customers::data))
        .load(conn)?;
    let mut seen = std::collections::HashSet::new();
    let mut entries = Vec::new();
    for (customer_id, data) in rows {
        let data: Struct = from_doc("data", &data)?;
        for (field, canonical) in unique_values(&data, fields) {
            let value_digest = digest(&canonical);
            if !seen.insert((field.clone(), value_digest.clone())) {
                if strict {
                    return Err(StoreError::Conflict {
                        field: "customerFields".into(),
                        message: format!(
                            "'{field}' cannot be unique: customers of this account already share values of it"
                        ),
                    });
                }
                tracing::warn!(account_id, customer_id, field, "a unique value is shared by customers written before");
                continue;
            }
            entries.push((
                customer_unique_values::account_id.eq(account_id.to_owned()),
                customer_unique_values::field.eq(field),
                customer_unique_values::value_digest.eq(value_digest),
                customer_unique_values::customer_id.eq(customer_id.clone()),
            ));
        }
    }
    for chunk in entries.chunks(500) {
        // Multi-row INSERTs are outside diesel's MultiConnection subset, so each backend runs its own.
        match &mut *conn {
            AnyConnection::Sqlite(c) => {
                diesel::insert_into(customer_unique_values::table).values(chunk.to_vec()).execute(c)?
            }
            AnyConnection::Postgresql(c) => {
                diesel::insert_into(customer_unique_values::table).values(chunk.to_vec()).execute(c)?
            }
        };
    }
    Ok(())
}
