//! ServiceStack.Text's JSV ("JSON + CSV") text format.
//!
//! Writing follows ServiceStack exactly: no whitespace, member names verbatim, nulls omitted, `True`/`False`,
//! numbers as .NET prints them, enums by name, strings quoted only when they contain a JSV special character
//! (with one addition: leading/trailing whitespace, see [`needs_quotes`]). Reading is type-directed and accepts
//! everything ServiceStack writes plus the pretty-printed, multi-line form of its metadata pages; member names
//! match the target struct's fields case-insensitively.

mod base64;
mod de;
mod error;
mod members;
mod number;
mod ser;

use serde::{de::DeserializeOwned, Serialize};

pub use de::Deserializer;
pub use error::{Error, FieldPath, Position};
pub use members::split_object;
pub use ser::{needs_quotes, write_string, Compound, Serializer};

pub(crate) use de::{match_name, parse_bool, ScalarEnum};
pub(crate) use ser::push_quotes_doubled;

/// Bounds on what the reader accepts, so that hostile input fails with an error rather than exhausting memory
/// or the stack.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Deepest nesting of maps and lists.
    pub max_depth: usize,
    /// Longest input, in bytes.
    pub max_input_bytes: usize,
}

impl Limits {
    pub const DEFAULT: Limits = Limits { max_depth: 64, max_input_bytes: 16 * 1024 * 1024 };
}

impl Default for Limits {
    fn default() -> Self {
        Self::DEFAULT
    }
}

/// Writes `value` as JSV.
pub fn to_string<T: ?Sized + Serialize>(value: &T) -> Result<String, Error> {
    let mut serializer = Serializer::new();
    value.serialize(&mut serializer)?;
    Ok(serializer.into_inner())
}

/// Appends `value` as JSV to `buffer`: a caller writing many values (a streamed list) keeps one buffer, where
/// [`to_string`] grows a new one for each (about eight reallocations for a customer).
pub fn append_to<T: ?Sized + Serialize>(buffer: &mut String, value: &T) -> Result<(), Error> {
    let mut serializer = Serializer::appending_to(std::mem::take(buffer));
    let written = value.serialize(&mut serializer);
    *buffer = serializer.into_inner();
    written
}

/// Reads a `T` from JSV with the default [`Limits`].
pub fn from_str<T: DeserializeOwned>(input: &str) -> Result<T, Error> {
    from_str_with_limits(input, Limits::DEFAULT)
}

/// Reads a `T` from JSV, refusing input beyond `limits`.
pub fn from_str_with_limits<T: DeserializeOwned>(input: &str, limits: Limits) -> Result<T, Error> {
    if input.len() > limits.max_input_bytes {
        return Err(Error::TooLarge { size: input.len(), limit: limits.max_input_bytes });
    }
    // A UTF-8 BOM is not part of the value.
    let input = input.strip_prefix('\u{feff}').unwrap_or(input);
    let mut de = Deserializer::new(input, limits);
    let value = T::deserialize(&mut de).map_err(|e| e.at_if_unknown(input, 0))?;
    de.end()?;
    Ok(value)
}
