#![doc = include_str!("../README.md")]

pub mod binding;
pub mod csv;
pub mod flat;
pub mod json;
pub mod jsv;
pub mod multipart;
pub mod names;
pub mod negotiation;
pub mod urlencoded;
