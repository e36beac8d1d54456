use std::fmt;

/// Where in the input an error was found. Lines and columns are 1-based; the column counts characters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Position {
    pub offset: usize,
    pub line: usize,
    pub column: usize,
}

impl Position {
    /// Placeholder for errors raised by `Deserialize` impls, which cannot see the input; the deserializer
    /// replaces it with the start of the value being read before the error leaves the crate.
    pub(crate) const UNKNOWN: Position = Position { offset: usize::MAX, line: 0, column: 0 };

    pub(crate) fn locate(input: &str, offset: usize) -> Position {
        let offset = offset.min(input.len());
        let before = input.get(..offset).unwrap_or(input);
        let line = before.matches('\n').count() + 1;
        let line_start = before.rfind('\n').map_or(0, |i| i + 1);
        let column = before.get(line_start..).map_or(0, |s| s.chars().count()) + 1;
        Position { offset, line, column }
    }

    pub(crate) fn is_unknown(&self) -> bool {
        self.offset == usize::MAX
    }
}

impl fmt::Display for Position {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.is_unknown() {
            f.write_str("an unknown position")
        } else {
            write!(f, "line {} column {} (byte {})", self.line, self.column, self.offset)
        }
    }
}

/// The member path of a value, e.g. `schedule.rules[2].byDay`; empty at the root.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FieldPath(pub String);

impl FieldPath {
    fn push_front(&mut self, segment: &str) {
        let rest = std::mem::take(&mut self.0);
        self.0 = if rest.is_empty() || rest.starts_with('[') {
            format!("{segment}{rest}")
        } else {
            format!("{segment}.{rest}")
        };
    }
}

impl fmt::Display for FieldPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0.is_empty() {
            Ok(())
        } else {
            write!(f, " in `{}`", self.0)
        }
    }
}

/// Everything that can go wrong reading or writing JSV.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Error {
    /// The text is not JSV (unterminated string, missing `:`, trailing characters, …).
    #[error("JSV syntax error at {position}{path}: {message}")]
    Syntax { message: String, position: Position, path: FieldPath },
    /// Well-formed JSV whose value does not fit the target type (`abc` for an integer, unknown enum name, …).
    #[error("invalid JSV value at {position}{path}: {message}")]
    InvalidValue { message: String, position: Position, path: FieldPath },
    /// More nested maps/lists than the limit allows; refused before it can exhaust the stack.
    #[error("JSV nested deeper than {limit} levels at {position}{path}")]
    TooDeep { limit: usize, position: Position, path: FieldPath },
    /// The input is longer than the limit; refused before parsing.
    #[error("JSV input of {size} bytes exceeds the {limit}-byte limit")]
    TooLarge { size: usize, limit: usize },
    /// The value cannot be written as JSV (a `Serialize` impl reported an error).
    #[error("cannot write JSV: {0}")]
    Serialize(String),
}

impl Error {
    /// The member path of the offending value, if the error concerns one.
    pub fn path(&self) -> Option<&str> {
        match self {
            Error::Syntax { path, .. } | Error::InvalidValue { path, .. } | Error::TooDeep { path, .. } => {
                Some(path.0.as_str())
            }
            Error::TooLarge { .. } | Error::Serialize(_) => None,
        }
    }

    /// Where the error was found, if it concerns a place in the input.
    pub fn position(&self) -> Option<Position> {
        match self {
            Error::Syntax { position, .. } | Error::InvalidValue { position, .. } | Error::TooDeep { position, .. } => {
                Some(*position)
            }
            Error::TooLarge { .. } | Error::Serialize(_) => None,
        }
    }

    /// The bare message, without position and path: what binding puts after the field name.
    pub fn message(&self) -> String {
        match self {
            Error::Syntax { message, .. } | Error::InvalidValue { message, .. } => message.clone(),
            other => other.to_string(),
        }
    }

    pub(crate) fn in_segment(mut self, segment: &str) -> Self {
        if let Error::Syntax { path, .. } | Error::InvalidValue { path, .. } | Error::TooDeep { path, .. } = &mut self {
            path.push_front(segment);
        }
        self
    }

    pub(crate) fn at_if_unknown(mut self, input: &str, offset: usize) -> Self {
        if let Error::Syntax { position, .. } | Error::InvalidValue { position, .. } | Error::TooDeep { position, .. } =
            &mut self
        {
            if position.is_unknown() {
                *position = Position::locate(input, offset);
            }
        }
        self
    }
}

impl serde::de::Error for Error {
    fn custom<T: fmt::Display>(msg: T) -> Self {
        Error::InvalidValue { message: msg.to_string(), position: Position::UNKNOWN, path: FieldPath::default() }
    }
}

impl serde::ser::Error for Error {
    fn custom<T: fmt::Display>(msg: T) -> Self {
        Error::Serialize(msg.to_string())
    }
}
