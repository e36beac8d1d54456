//! Bulk import for seeding large synthetic hierarchies: rows arrive with their paths already computed, and go in
//! by multi-row INSERTs inside one transaction. Not a path for user requests (it trusts its input's shape).

use canopy_domain::patch::CustomerChanges;
use diesel::prelude::*;

use super::row::{distinct_tag_ids, CustomerInsert, PlacedCustomer};
use crate::{
    connection::AnyConnection,
    now_text,
    schema::{customer_tags, customers},
    Store, StoreResult, Touches,
};

/// One customer to import: its place in the tree and its own values.
#[derive(Debug, Clone)]
pub struct ImportCustomer {
    pub id: String,
    pub account_id: String,
    pub parent_customer_id: Option<String>,
    pub path: String,
    pub name: String,
    pub fields: CustomerChanges,
}

/// Rows per INSERT: 22 columns each (11,000 parameters) stays under SQLite's and PostgreSQL's parameter limits.
const ROWS_PER_INSERT: usize = 500;

impl Store {
    /// Inserts customers (parents before children) and their tags in one transaction.
    pub fn import_customers(&self, customers_in: &[ImportCustomer], created_by: Option<&str>) -> StoreResult<usize> {
        let now = now_text();
        let count = self.write(Touches::Data, |conn| {
            for chunk in customers_in.chunks(ROWS_PER_INSERT) {
                let mut rows = Vec::with_capacity(chunk.len());
                let mut tag_rows = Vec::new();
                for c in chunk {
                    rows.push(CustomerInsert::new(
                        PlacedCustomer {
                            id: &c.id,
                            account_id: &c.account_id,
                            parent_customer_id: c.parent_customer_id.as_deref(),
                            path: &c.path,
                            name: &c.name,
                            fields: &c.fields,
                        },
                        &now,
                        created_by,
                    )?);
                    for tag in c.fields.tag_ids.as_deref().map(distinct_tag_ids).unwrap_or_default() {
                        tag_rows.push((
                            customer_tags::customer_id.eq(c.id.clone()),
                            customer_tags::account_id.eq(c.account_id.clone()),
                            customer_tags::tag_id.eq(tag),
                        ));
                    }
                }
                // Multi-row INSERTs are outside diesel's MultiConnection subset, so each backend runs its own.
                match conn {
                    AnyConnection::Sqlite(c) => {
                        diesel::insert_into(customers::table).values(&rows).execute(c)?;
                        for tags in tag_rows.chunks(ROWS_PER_INSERT) {
                            diesel::insert_into(customer_tags::table).values(tags.to_vec()).execute(c)?;
                        }
                    }
                    AnyConnection::Postgresql(c) => {
                        diesel::insert_into(customers::table).values(&rows).execute(c)?;
                        for tags in tag_rows.chunks(ROWS_PER_INSERT) {
                            diesel::insert_into(customer_tags::table).values(tags.to_vec()).execute(c)?;
                        }
                    }
                }
            }
            // The loaded values of fields declared Unique are indexed like any write's (a shared one is kept by the
            // first customer and logged: a bulk load trusts its input's shape).
            let mut accounts: Vec<&str> = customers_in.iter().map(|c| c.account_id.as_str()).collect();
            accounts.sort_unstable();
            accounts.dedup();
            for account_id in accounts {
                let fields: String = crate::schema::accounts::table
                    .find(account_id)
                    .select(crate::schema::accounts::customer_fields)
                    .first(conn)?;
                let fields: Vec<canopy_domain::CustomerDataField> = crate::rows::from_doc("customer_fields", &fields)?;
                crate::unique::rebuild(conn, account_id, &fields, false)?;
            }
            Ok(customers_in.len())
        })?;
        // Fresh statistics after a bulk load: without them the planners guess, and PostgreSQL's guess for a
        // subtree range is off by orders of magnitude (it walks the name index instead of the path range).
        use diesel::connection::SimpleConnection;
        self.conn()?.batch_execute("ANALYZE")?;
        Ok(count)
    }

    /// Whether the database holds no account yet (so demo data may be loaded).
    pub fn is_empty(&self) -> StoreResult<bool> {
        use crate::schema::accounts;
        let mut conn = self.conn()?;
        let count: i64 = accounts::table.count().get_result(&mut *conn)?;
        Ok(count == 0)
    }
}
