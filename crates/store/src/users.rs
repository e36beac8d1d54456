//! Users, their links to accounts and customers, sessions, API keys and login throttling. This crate never sees a
//! secret in the clear: callers pass password hashes and SHA-256 digests of session ids and keys.

use canopy_domain::{ManagerAccess, Role};
use diesel::prelude::*;

use crate::{
    new_id, now_text,
    schema::{api_keys, login_failures, sessions, user_accounts, user_customers, users},
    sort_key, Store, StoreError, StoreResult, Touches,
};

/// A user as stored (the password as its argon2id hash).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserRecord {
    pub id: String,
    pub user_name: String,
    pub email: Option<String>,
    pub display_name: Option<String>,
    pub password_hash: String,
    pub roles: Vec<Role>,
    pub manager_access: ManagerAccess,
    pub account_ids: Vec<String>,
    pub customer_ids: Vec<String>,
    /// A disabled user cannot sign in or use any credential.
    pub disabled: bool,
}

#[derive(Debug, Clone)]
pub struct NewUser {
    pub user_name: String,
    pub email: Option<String>,
    pub display_name: Option<String>,
    pub password_hash: String,
    pub roles: Vec<Role>,
    pub manager_access: ManagerAccess,
    pub account_ids: Vec<String>,
    pub customer_ids: Vec<String>,
}

#[derive(Queryable, Selectable)]
#[diesel(table_name = users)]
struct UserRow {
    id: String,
    user_name: String,
    email: Option<String>,
    display_name: Option<String>,
    password_hash: String,
    roles: String,
    manager_access: String,
    disabled: bool,
}

fn roles_text(roles: &[Role]) -> String {
    roles.iter().map(|r| r.as_str()).collect::<Vec<_>>().join(",")
}

fn access_text(access: ManagerAccess) -> &'static str {
    match access {
        ManagerAccess::ReadOnly => "ReadOnly",
        ManagerAccess::ReadWrite => "ReadWrite",
        ManagerAccess::ReadWriteDelete => "ReadWriteDelete",
    }
}

fn parse_access(text: &str) -> ManagerAccess {
    match text {
        "ReadWriteDelete" => ManagerAccess::ReadWriteDelete,
        "ReadWrite" => ManagerAccess::ReadWrite,
        _ => ManagerAccess::ReadOnly,
    }
}

impl Store {
    /// Creates a user with its links. Linked accounts and customers must exist.
    pub fn create_user(&self, new: NewUser) -> StoreResult<UserRecord> {
        let id = new_id();
        self.write(Touches::Auth, |conn| {
            diesel::insert_into(users::table)
                .values((
                    users::id.eq(&id),
                    users::user_name.eq(&new.user_name),
                    users::user_name_key.eq(sort_key(&new.user_name)),
                    users::email.eq(&new.email),
                    users::display_name.eq(&new.display_name),
                    users::password_hash.eq(&new.password_hash),
                    users::roles.eq(roles_text(&new.roles)),
                    users::manager_access.eq(access_text(new.manager_access)),
                    users::date_created.eq(now_text()),
                ))
                .execute(conn)
                .map_err(|e| match StoreError::from(e) {
                    StoreError::Conflict { .. } => StoreError::Conflict {
                        field: "userName".into(),
                        message: format!("a user named '{}' exists already", new.user_name),
                    },
                    other => other,
                })?;
            for account in &new.account_ids {
                diesel::insert_into(user_accounts::table)
                    .values((user_accounts::user_id.eq(&id), user_accounts::account_id.eq(account)))
                    .execute(conn)?;
            }
            for customer in &new.customer_ids {
                diesel::insert_into(user_customers::table)
                    .values((user_customers::user_id.eq(&id), user_customers::customer_id.eq(customer)))
                    .execute(conn)?;
            }
            let row = users::table.find(&id).select(UserRow::as_select()).first(conn)?;
            with_links(conn, row)
        })
    }

    pub fn user_by_name(&self, user_name: &str) -> StoreResult<Option<UserRecord>> {
        let mut conn = self.conn()?;
        let row: Option<UserRow> = users::table
            .filter(users::user_name_key.eq(sort_key(user_name)))
            .select(UserRow::as_select())
            .first(&mut *conn)
            .optional()?;
        row.map(|r| with_links(&mut conn, r)).transpose()
    }

    pub fn user_by_id(&self, id: &str) -> StoreResult<Option<UserRecord>> {
        let mut conn = self.conn()?;
        let row: Option<UserRow> = users::table.find(id).select(UserRow::as_select()).first(&mut *conn).optional()?;
        row.map(|r| with_links(&mut conn, r)).transpose()
    }

    /// Records a session; `id_hash` is the SHA-256 of the id the client holds.
    pub fn create_session(&self, id_hash: &str, user_id: &str, permanent: bool, expires: &str) -> StoreResult<()> {
        let mut conn = self.conn()?;
        diesel::insert_into(sessions::table)
            .values((
                sessions::id_hash.eq(id_hash),
                sessions::user_id.eq(user_id),
                sessions::permanent.eq(permanent),
                sessions::date_created.eq(now_text()),
                sessions::expires.eq(expires),
            ))
            .execute(&mut *conn)?;
        Ok(())
    }

    /// The user of an unexpired session, and when it expires. Expired sessions are removed as they are met.
    pub fn session_user(&self, id_hash: &str, now: &str) -> StoreResult<Option<(String, String)>> {
        let mut conn = self.conn()?;
        let found: Option<(String, String)> = sessions::table
            .find(id_hash)
            .select((sessions::user_id, sessions::expires))
            .first(&mut *conn)
            .optional()?;
        match found {
            Some((user_id, expires)) if expires.as_str() > now => Ok(Some((user_id, expires))),
            Some(_) => {
                diesel::delete(sessions::table.filter(sessions::expires.le(now))).execute(&mut *conn)?;
                Ok(None)
            }
            None => Ok(None),
        }
    }

    /// Ends a session. Bumps the auth generation, so no cache keeps it alive.
    pub fn delete_session(&self, id_hash: &str) -> StoreResult<()> {
        self.write(Touches::Auth, |conn| {
            diesel::delete(sessions::table.find(id_hash)).execute(conn)?;
            Ok(())
        })
    }

    /// Stores an API key's digest; `prefix` (a few leading characters) lets operators recognise it in listings.
    pub fn create_api_key(&self, user_id: &str, key_hash: &str, prefix: &str) -> StoreResult<()> {
        let mut conn = self.conn()?;
        diesel::insert_into(api_keys::table)
            .values((
                api_keys::key_hash.eq(key_hash),
                api_keys::user_id.eq(user_id),
                api_keys::prefix.eq(prefix),
                api_keys::date_created.eq(now_text()),
            ))
            .execute(&mut *conn)?;
        Ok(())
    }

    pub fn api_key_user(&self, key_hash: &str) -> StoreResult<Option<String>> {
        let mut conn = self.conn()?;
        Ok(api_keys::table.find(key_hash).select(api_keys::user_id).first(&mut *conn).optional()?)
    }

    /// Every user, by name (password hashes blanked: listings never need them).
    pub fn list_users(&self) -> StoreResult<Vec<UserRecord>> {
        let mut conn = self.conn()?;
        let rows: Vec<UserRow> =
            users::table.order_by(users::user_name_key.asc()).select(UserRow::as_select()).load(&mut *conn)?;
        rows.into_iter()
            .map(|row| {
                let mut user = with_links(&mut conn, row)?;
                user.password_hash.clear();
                Ok(user)
            })
            .collect()
    }

    /// Disables or enables a user. Disabling ends its sessions; its API keys stay but do not work while it is
    /// disabled. Takes effect on the next request in every instance (the auth generation moves).
    pub fn set_user_disabled(&self, user_name: &str, disabled: bool) -> StoreResult<()> {
        self.write(Touches::Auth, |conn| {
            let id = user_id_by_name(conn, user_name)?;
            diesel::update(users::table.find(&id)).set(users::disabled.eq(disabled)).execute(conn)?;
            if disabled {
                diesel::delete(sessions::table.filter(sessions::user_id.eq(&id))).execute(conn)?;
            }
            Ok(())
        })
    }

    /// Deletes a user with its links, sessions and API keys.
    pub fn delete_user(&self, user_name: &str) -> StoreResult<()> {
        self.write(Touches::Auth, |conn| {
            let id = user_id_by_name(conn, user_name)?;
            diesel::delete(sessions::table.filter(sessions::user_id.eq(&id))).execute(conn)?;
            diesel::delete(api_keys::table.filter(api_keys::user_id.eq(&id))).execute(conn)?;
            diesel::delete(user_accounts::table.filter(user_accounts::user_id.eq(&id))).execute(conn)?;
            diesel::delete(user_customers::table.filter(user_customers::user_id.eq(&id))).execute(conn)?;
            diesel::delete(users::table.find(&id)).execute(conn)?;
            Ok(())
        })
    }

    /// Replaces a user's password hash and ends its sessions (whoever held one must sign in with the new password).
    pub fn set_password_hash(&self, user_name: &str, password_hash: &str) -> StoreResult<()> {
        self.write(Touches::Auth, |conn| {
            let id = user_id_by_name(conn, user_name)?;
            diesel::update(users::table.find(&id)).set(users::password_hash.eq(password_hash)).execute(conn)?;
            diesel::delete(sessions::table.filter(sessions::user_id.eq(&id))).execute(conn)?;
            Ok(())
        })
    }

    /// API keys, optionally of one user: never the key, only its id (the first 16 hex digits of its digest), its
    /// first characters, its user and when it was made.
    pub fn list_api_keys(&self, user_name: Option<&str>) -> StoreResult<Vec<ApiKeyInfo>> {
        let mut conn = self.conn()?;
        let mut query = api_keys::table
            .inner_join(users::table.on(users::id.eq(api_keys::user_id)))
            .select((api_keys::key_hash, api_keys::prefix, users::user_name, api_keys::date_created))
            .order_by((users::user_name_key.asc(), api_keys::date_created.asc()))
            .into_boxed();
        if let Some(name) = user_name {
            query = query.filter(users::user_name_key.eq(sort_key(name)));
        }
        let rows: Vec<(String, String, String, String)> = query.load(&mut *conn)?;
        Ok(rows
            .into_iter()
            .map(|(hash, prefix, user_name, date_created)| ApiKeyInfo {
                id: hash.chars().take(API_KEY_ID_LENGTH).collect(),
                prefix,
                user_name,
                date_created,
            })
            .collect())
    }

    /// Revokes the API key with this id (see [`Store::list_api_keys`]); it stops working on the next request.
    pub fn revoke_api_key(&self, id: &str) -> StoreResult<()> {
        let not_found = || StoreError::NotFound { entity: "API key", id: id.to_owned() };
        if id.len() != API_KEY_ID_LENGTH || !id.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(not_found());
        }
        self.write(Touches::Auth, |conn| {
            let removed = diesel::delete(
                api_keys::table.filter(api_keys::key_hash.like(format!("{}%", id.to_ascii_lowercase()))),
            )
            .execute(conn)?;
            if removed == 0 {
                return Err(not_found());
            }
            Ok(())
        })
    }

    /// Failed logins counted under `key` (a user name and address, or an address) since `window_start` (older
    /// failures are forgotten), and the time of the last one.
    pub fn login_failures(&self, key: &str, window_start: &str) -> StoreResult<(i32, String)> {
        let mut conn = self.conn()?;
        let row: Option<(i32, String, String)> = login_failures::table
            .find(key)
            .select((login_failures::failures, login_failures::window_start, login_failures::last_failure))
            .first(&mut *conn)
            .optional()?;
        Ok(match row {
            Some((failures, started, last)) if started.as_str() >= window_start => (failures, last),
            _ => (0, String::new()),
        })
    }

    /// Counts one more failed login under each key; a failure after the window (`window_start`) starts a new count.
    pub fn record_login_failure(&self, keys: &[&str], window_start: &str) -> StoreResult<()> {
        let mut conn = self.conn()?;
        conn.transaction(|conn| -> StoreResult<()> {
            let now = now_text();
            for key in keys {
                let updated = diesel::update(
                    login_failures::table.find(key).filter(login_failures::window_start.ge(window_start)),
                )
                .set((login_failures::failures.eq(login_failures::failures + 1), login_failures::last_failure.eq(&now)))
                .execute(conn)?;
                if updated == 0 {
                    diesel::delete(login_failures::table.find(key)).execute(conn)?;
                    diesel::insert_into(login_failures::table)
                        .values((
                            login_failures::user_name_key.eq(key),
                            login_failures::failures.eq(1),
                            login_failures::window_start.eq(&now),
                            login_failures::last_failure.eq(&now),
                        ))
                        .execute(conn)?;
                }
            }
            Ok(())
        })
    }

    pub fn clear_login_failures(&self, key: &str) -> StoreResult<()> {
        let mut conn = self.conn()?;
        diesel::delete(login_failures::table.find(key)).execute(&mut *conn)?;
        Ok(())
    }
}

/// How many hex digits of a key's digest name it in listings and revocations.
pub const API_KEY_ID_LENGTH: usize = 16;

/// An API key as listings show it: never the key itself.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ApiKeyInfo {
    /// The key's id, for revoking it: 16 hex digits of its digest (not part of the key).
    pub id: String,
    /// The key's first 7 characters (`ak-` and 4 hex digits), to recognise it.
    pub prefix: String,
    /// The login name of the key's owner.
    pub user_name: String,
    /// When the key was created: an ISO 8601 UTC instant.
    pub date_created: String,
}

fn user_id_by_name(conn: &mut crate::connection::AnyConnection, user_name: &str) -> StoreResult<String> {
    users::table
        .filter(users::user_name_key.eq(sort_key(user_name)))
        .select(users::id)
        .first(conn)
        .optional()?
        .ok_or_else(|| StoreError::NotFound { entity: "User", id: user_name.to_owned() })
}

fn with_links(conn: &mut crate::connection::AnyConnection, row: UserRow) -> StoreResult<UserRecord> {
    let account_ids: Vec<String> =
        user_accounts::table.filter(user_accounts::user_id.eq(&row.id)).select(user_accounts::account_id).load(conn)?;
    let customer_ids: Vec<String> = user_customers::table
        .filter(user_customers::user_id.eq(&row.id))
        .select(user_customers::customer_id)
        .load(conn)?;
    Ok(UserRecord {
        roles: row.roles.split(',').filter_map(Role::parse).collect(),
        manager_access: parse_access(&row.manager_access),
        id: row.id,
        user_name: row.user_name,
        email: row.email,
        display_name: row.display_name,
        password_hash: row.password_hash,
        account_ids,
        customer_ids,
        disabled: row.disabled,
    })
}
