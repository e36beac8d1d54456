//! Typed DTOs for Canopy's customer operations, in the shape `npx get-dtos rust` generates for a ServiceStack
//! API, for the `servicestack` crate's JsonServiceClient. The suite is in `tests/customers.rs`.
pub mod dtos;
