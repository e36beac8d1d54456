//! Roles and access levels.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, schemars::JsonSchema)]
pub enum Role {
    SystemAdministrator,
    Manager,
    Customer,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::SystemAdministrator => "SystemAdministrator",
            Role::Manager => "Manager",
            Role::Customer => "Customer",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        [Role::SystemAdministrator, Role::Manager, Role::Customer]
            .into_iter()
            .find(|role| role.as_str().eq_ignore_ascii_case(text))
    }
}

#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, schemars::JsonSchema,
)]
pub enum ManagerAccess {
    #[default]
    ReadOnly,
    ReadWrite,
    ReadWriteDelete,
}
