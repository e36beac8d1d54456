//! Every operation, declared once: its ServiceStack DTO name, a description, its routes, its request and response
//! types, who may call it, whether its answer may be cached, and its handler. The route table, the predefined
//! routes (`/json/reply/{Dto}`, `/api/{Dto}`), binding, error messages, logs and metrics all read these
//! declarations; so will the metadata pages and generated clients (they visit the types through
//! [`Operation::visit_types`]).
//!
//! To add an operation: its request DTO in `dto.rs`, its handler in `handlers/`, one entry here.

use canopy_domain::{
    history::CustomerHistoryEntry, import::ImportCustomersResponse, patch::CustomerChanges, AccountInfo, CustomerInfo,
    SystemSettings,
};
use canopy_store::ApiKeyInfo;
use schemars::JsonSchema;

use super::{
    pipeline::{run_public, run_signed_in},
    Request,
};
use crate::{
    dto::{self, ListResponse},
    error::ApiError,
    handlers,
    reply::Answer,
};

/// An HTTP verb an operation answers to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Verb {
    Get,
    Post,
    Patch,
    Delete,
}

impl Verb {
    pub fn method(self) -> actix_web::http::Method {
        use actix_web::http::Method;
        match self {
            Verb::Get => Method::GET,
            Verb::Post => Method::POST,
            Verb::Patch => Method::PATCH,
            Verb::Delete => Method::DELETE,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Verb::Get => "GET",
            Verb::Post => "POST",
            Verb::Patch => "PATCH",
            Verb::Delete => "DELETE",
        }
    }
}

/// One user route of an operation; `{name}` segments bind members of the request DTO.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Route {
    pub verb: Verb,
    pub path: &'static str,
}

/// Who may call an operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Anyone: the `/auth` operations, which decide for themselves.
    Public,
    /// A signed-in user with one of Canopy's roles; the handler gets a [`super::Ctx`], and what it answers is
    /// redacted for that caller on the way out.
    SignedIn,
}

/// Receives an operation's types, for descriptions generated from them (metadata pages, client code, OpenAPI).
/// Every type is `JsonSchema`: its members, their types and their doc comments can be described.
pub trait TypeVisitor {
    /// The request DTO: the type bound from the request's path, query, form and body.
    fn request<T: JsonSchema + 'static>(&mut self);
    /// A second view of the same request members (an operation whose members split over two types, such as
    /// `PatchCustomer`'s id and its changes).
    fn request_members<T: JsonSchema + 'static>(&mut self);
    /// What a successful call answers (`()`: no body, 204).
    fn response<T: JsonSchema + 'static>(&mut self);
}

macro_rules! operations {
    ($(
        $(#[doc = $doc:literal])+
        $op:ident {
            routes: [$($verb:ident $path:literal),* $(,)?],
            request: $request:ty $(, with $members:ty)?,
            response: $response:ty,
            access: $access:ident,
            cacheable: $cacheable:literal,
            handler: $handler:path $(,)?
        }
    )*) => {
        /// Every operation, by its ServiceStack request DTO name.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum Operation { $($op),* }

        impl Operation {
            pub const ALL: &'static [Operation] = &[$(Operation::$op),*];

            /// The request DTO's name, as clients send it (`/json/reply/ListCustomers`).
            pub fn name(self) -> &'static str {
                match self { $(Operation::$op => stringify!($op)),* }
            }

            /// What the operation does, for people reading the metadata.
            pub fn description(self) -> String {
                let lines: &[&str] = match self { $(Operation::$op => &[$($doc),+]),* };
                lines.iter().map(|line| line.trim()).collect::<Vec<_>>().join(" ")
            }

            pub fn routes(self) -> &'static [Route] {
                match self { $(Operation::$op => &[$(Route { verb: Verb::$verb, path: $path }),*]),* }
            }

            pub fn access(self) -> Access {
                match self { $(Operation::$op => Access::$access),* }
            }

            /// Reads whose answer depends only on the caller, the request and the stored data: their answers may
            /// be cached against the generations.
            pub fn cacheable(self) -> bool {
                match self { $(Operation::$op => $cacheable),* }
            }

            pub fn visit_types<V: TypeVisitor>(self, visitor: &mut V) {
                match self {
                    $(Operation::$op => {
                        visitor.request::<$request>();
                        $(visitor.request_members::<$members>();)?
                        visitor.response::<$response>();
                    })*
                }
            }

            /// Binds the request DTO and runs the handler, behind the guard its access names.
            pub(super) async fn run(self, request: Request) -> Result<Answer, ApiError> {
                match self {
                    $(Operation::$op => operations!(@run $access, request, $request, $handler)),*
                }
            }
        }
    };
    (@run Public, $request:ident, $dto:ty, $handler:path) => {
        run_public::<$dto, _, _>($request, $handler).await
    };
    (@run SignedIn, $request:ident, $dto:ty, $handler:path) => {
        run_signed_in::<$dto, _, _>($request, $handler).await
    };
}

operations! {
    /// A page of the customers the caller reaches, filtered and sorted; `all=true` streams every match.
    ListCustomers {
        routes: [Get "/customers"],
        request: dto::ListCustomers,
        response: ListResponse<CustomerInfo>,
        access: SignedIn,
        cacheable: true,
        handler: handlers::customers::list,
    }
    /// One customer, with its version as the ETag.
    GetCustomer {
        routes: [Get "/customers/{customerId}"],
        request: dto::GetCustomer,
        response: CustomerInfo,
        access: SignedIn,
        cacheable: true,
        handler: handlers::customers::get,
    }
    /// Creates a customer in an account, under a parent customer or at the top.
    NewCustomer {
        routes: [Post "/customers"],
        request: dto::NewCustomer, with CustomerChanges,
        response: CustomerInfo,
        access: SignedIn,
        cacheable: false,
        handler: handlers::customers::create,
    }
    /// Changes the members sent (a null clears one); a new parent moves the customer with its subtree.
    PatchCustomer {
        routes: [Patch "/customers/{customerId}"],
        request: dto::PatchCustomer, with CustomerChanges,
        response: CustomerInfo,
        access: SignedIn,
        cacheable: false,
        handler: handlers::customers::patch,
    }
    /// One customer named by its referenceId (in `accountId`, required when the caller reaches several accounts),
    /// with its version as the ETag.
    GetCustomerByReference {
        routes: [Get "/customers/by-reference/{referenceId}"],
        request: dto::GetCustomerByReference,
        response: CustomerInfo,
        access: SignedIn,
        cacheable: true,
        handler: handlers::customers::get_by_reference,
    }
    /// PatchCustomer for the customer named by its referenceId (in `accountId`, required when the caller reaches
    /// several accounts).
    PatchCustomerByReference {
        routes: [Patch "/customers/by-reference/{referenceId}"],
        request: dto::PatchCustomerByReference, with CustomerChanges,
        response: CustomerInfo,
        access: SignedIn,
        cacheable: false,
        handler: handlers::customers::patch_by_reference,
    }
    /// Deletes a customer without children.
    DeleteCustomer {
        routes: [Delete "/customers/{customerId}"],
        request: dto::DeleteCustomer,
        response: (),
        access: SignedIn,
        cacheable: false,
        handler: handlers::customers::delete,
    }
    /// Imports customers from a file (what export writes: ServiceStack CSV, JSON or JSON lines) into one account
    /// in one transaction: rows update the customers they match by id, else by referenceId, and create the others,
    /// parents first whatever the order; any refused row refuses the whole file, with every refused row named.
    ImportCustomers {
        routes: [Post "/customers/import"],
        request: dto::ImportCustomers,
        response: ImportCustomersResponse,
        access: SignedIn,
        cacheable: false,
        handler: handlers::customers::import,
    }
    /// Puts a customer in or out of staging mode.
    SetCustomerStagingMode {
        routes: [Post "/customers/{customerId}/staging"],
        request: dto::SetCustomerStagingMode,
        response: CustomerInfo,
        access: SignedIn,
        cacheable: false,
        handler: handlers::customers::set_staging,
    }
    /// One customer's change history, newest first: who changed which member when, with its value before and
    /// after (as JSON text). A deleted customer's history stays readable by administrators and its account's
    /// managers.
    ListCustomerHistory {
        routes: [Get "/customers/{customerId}/history"],
        request: dto::ListCustomerHistory,
        response: ListResponse<CustomerHistoryEntry>,
        access: SignedIn,
        cacheable: true,
        handler: handlers::customers::history,
    }
    /// A page of the accounts the caller reaches.
    ListAccounts {
        routes: [Get "/accounts"],
        request: dto::ListAccounts,
        response: ListResponse<AccountInfo>,
        access: SignedIn,
        cacheable: true,
        handler: handlers::accounts::list,
    }
    /// One account.
    GetAccount {
        routes: [Get "/accounts/{accountId}"],
        request: dto::GetAccount,
        response: AccountInfo,
        access: SignedIn,
        cacheable: true,
        handler: handlers::accounts::get,
    }
    /// Creates an account, at the top or under a parent account (SystemAdministrator).
    NewAccount {
        routes: [Post "/accounts"],
        request: dto::NewAccountRequest,
        response: AccountInfo,
        access: SignedIn,
        cacheable: false,
        handler: handlers::accounts::create,
    }
    /// Changes an account's members.
    PatchAccount {
        routes: [Patch "/accounts/{accountId}"],
        request: dto::PatchAccount,
        response: AccountInfo,
        access: SignedIn,
        cacheable: false,
        handler: handlers::accounts::patch,
    }
    /// Deletes an account without customers or child accounts.
    DeleteAccount {
        routes: [Delete "/accounts/{accountId}"],
        request: dto::DeleteAccount,
        response: (),
        access: SignedIn,
        cacheable: false,
        handler: handlers::accounts::delete,
    }
    /// An account's system settings: its tags and customer data fields.
    GetSystemSettings {
        routes: [Get "/system/settings"],
        request: dto::GetSystemSettings,
        response: SystemSettings,
        access: SignedIn,
        cacheable: true,
        handler: handlers::settings::get,
    }
    /// Changes an account's system settings. Evo Voice publishes the verb "PATCHY"; POST is what such clients fall
    /// back to.
    PatchSystemSettings {
        routes: [Patch "/system/settings", Post "/system/settings"],
        request: dto::PatchSystemSettings,
        response: SystemSettings,
        access: SignedIn,
        cacheable: false,
        handler: handlers::settings::patch,
    }
    /// A customer's effective billing settings and where they come from.
    GetInheritedBillingSettings {
        routes: [Get "/customers/{customerId}/inherited-billing-settings"],
        request: dto::CustomerRef,
        response: dto::InheritedBillingSettings,
        access: SignedIn,
        cacheable: true,
        handler: handlers::inheritance::billing,
    }
    /// A customer's effective app settings and where they come from.
    GetInheritedAppSettings {
        routes: [Get "/customers/{customerId}/inherited-app-settings"],
        request: dto::CustomerRef,
        response: dto::InheritedAppSettings,
        access: SignedIn,
        cacheable: true,
        handler: handlers::inheritance::app_settings,
    }
    /// A customer's effective business-hours schedule and where it and its time zone come from.
    GetInheritedSchedule {
        routes: [Get "/customers/{customerId}/inherited-schedule"],
        request: dto::CustomerRef,
        response: dto::InheritedSchedule,
        access: SignedIn,
        cacheable: true,
        handler: handlers::inheritance::schedule,
    }
    /// Whether a customer is open at a moment, by its effective schedule or one sent to try.
    TestSchedule {
        routes: [Post "/customers/{customerId}/test-schedule"],
        request: dto::TestSchedule,
        response: dto::TestScheduleResponse,
        access: SignedIn,
        cacheable: false,
        handler: handlers::inheritance::test_schedule,
    }
    /// Signs in (credentials), or with no credentials answers the current session.
    Authenticate {
        routes: [Post "/auth", Post "/auth/{provider}", Get "/auth"],
        request: dto::Authenticate,
        response: dto::AuthenticateResponse,
        access: Public,
        cacheable: false,
        handler: handlers::auth::authenticate,
    }
    /// Who is signed in, or `isAuthenticated: false`.
    GetAuthStatus {
        routes: [Get "/auth/status"],
        request: dto::GetAuthStatus,
        response: dto::UserInfo,
        access: Public,
        cacheable: false,
        handler: handlers::auth::status,
    }
    /// Ends the session and clears its cookies.
    Logout {
        routes: [Get "/auth/logout", Post "/auth/logout"],
        request: dto::Logout,
        response: dto::AuthenticateResponse,
        access: Public,
        cacheable: false,
        handler: handlers::auth::logout,
    }
    /// Exchanges a refresh token for a new bearer token in the same session.
    GetAccessToken {
        routes: [Post "/access-token", Get "/access-token"],
        request: dto::GetAccessToken,
        response: dto::GetAccessTokenResponse,
        access: Public,
        cacheable: false,
        handler: handlers::auth::access_token,
    }
    /// Every user, without credentials (SystemAdministrator).
    ListUsers {
        routes: [Get "/users"],
        request: dto::ListUsers,
        response: ListResponse<dto::UserSummary>,
        access: SignedIn,
        cacheable: false,
        handler: handlers::users::list,
    }
    /// Disables or enables a user, or sets its password (SystemAdministrator).
    UpdateUser {
        routes: [Patch "/users/{userName}"],
        request: dto::UpdateUser,
        response: dto::UserSummary,
        access: SignedIn,
        cacheable: false,
        handler: handlers::users::update,
    }
    /// Deletes a user with its sessions and API keys (SystemAdministrator).
    DeleteUser {
        routes: [Delete "/users/{userName}"],
        request: dto::DeleteUser,
        response: (),
        access: SignedIn,
        cacheable: false,
        handler: handlers::users::delete,
    }
    /// API keys, by id and owner, never the key itself (SystemAdministrator).
    ListApiKeys {
        routes: [Get "/apikeys"],
        request: dto::ListApiKeys,
        response: ListResponse<ApiKeyInfo>,
        access: SignedIn,
        cacheable: false,
        handler: handlers::users::list_api_keys,
    }
    /// Revokes an API key (SystemAdministrator).
    RevokeApiKey {
        routes: [Delete "/apikeys/{id}"],
        request: dto::RevokeApiKey,
        response: (),
        access: SignedIn,
        cacheable: false,
        handler: handlers::users::revoke_api_key,
    }
}

impl Operation {
    /// The group an operation is listed under in the metadata: the resource its first route names.
    pub fn group(self) -> &'static str {
        let first = self.routes().first().map(|route| route.path).unwrap_or("");
        match first.trim_start_matches('/').split('/').next().unwrap_or("") {
            "customers" => "Customers",
            "accounts" => "Accounts",
            "system" => "System settings",
            "users" | "apikeys" => "Users and API keys",
            _ => "Authentication",
        }
    }

    /// Whether the body is a file the handler reads itself (ImportCustomers), not members to bind: its members
    /// then come from the path and the query alone, and the body may be as large as `max_import_bytes`.
    pub fn takes_file(self) -> bool {
        matches!(self, Operation::ImportCustomers)
    }

    /// Predefined routes name the DTO case-insensitively, as ServiceStack matches them.
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.iter().copied().find(|op| op.name().eq_ignore_ascii_case(name))
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use super::*;

    #[test]
    fn names_routes_and_descriptions_are_complete_and_distinct() {
        let mut names = HashSet::new();
        let mut routes = HashSet::new();
        for op in Operation::ALL {
            assert!(names.insert(op.name().to_ascii_lowercase()), "{} declared twice", op.name());
            assert!(!op.routes().is_empty(), "{} has no route", op.name());
            assert!(op.description().len() > 10, "{} has no description", op.name());
            for route in op.routes() {
                assert!(route.path.starts_with('/'));
                assert!(routes.insert((route.verb, route.path)), "{:?} {} is declared twice", route.verb, route.path);
            }
            assert_eq!(Operation::from_name(&op.name().to_ascii_uppercase()), Some(*op));
        }
    }

    /// Collects type names, as a metadata generator would see them.
    #[derive(Default)]
    struct Names(Vec<&'static str>);

    impl TypeVisitor for Names {
        fn request<T: JsonSchema + 'static>(&mut self) {
            self.0.push(std::any::type_name::<T>());
        }
        fn request_members<T: JsonSchema + 'static>(&mut self) {
            self.0.push(std::any::type_name::<T>());
        }
        fn response<T: JsonSchema + 'static>(&mut self) {
            self.0.push(std::any::type_name::<T>());
        }
    }

    #[test]
    fn every_operation_hands_its_types_to_a_visitor() {
        let mut names = Names::default();
        Operation::PatchCustomer.visit_types(&mut names);
        assert_eq!(
            names.0,
            [
                "canopy_server::dto::PatchCustomer",
                "canopy_domain::patch::CustomerChanges",
                "canopy_domain::customer::CustomerInfo"
            ]
        );
    }
}
