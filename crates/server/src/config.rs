//! Configuration: command-line flags, then `CANOPY_*` environment variables (both through clap), then an
//! optional `canopy.toml` in the working directory, then defaults.

use std::path::Path;

use serde::Deserialize;

/// What `canopy.toml` may set. Every key is optional.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "snake_case")]
pub struct FileConfig {
    pub database_url: Option<String>,
    pub bind: Option<String>,
    pub jwt_secret: Option<String>,
    pub max_body_bytes: Option<usize>,
    pub answer_cache_bytes: Option<usize>,
    pub body_deadline_secs: Option<u64>,
}

pub const DEFAULT_DATABASE_URL: &str = "sqlite://canopy.db";
pub const DEFAULT_BIND: &str = "127.0.0.1:8080";

impl FileConfig {
    /// Reads `path` if it exists; a file that exists but cannot be read is an error, not a silent default.
    pub fn load(path: &Path) -> Result<Self, String> {
        match std::fs::read_to_string(path) {
            Ok(text) => toml::from_str(&text).map_err(|e| format!("{}: {e}", path.display())),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Self::default()),
            Err(e) => Err(format!("{}: {e}", path.display())),
        }
    }
}

/// Settings resolved once in `main` and passed down.
#[derive(Clone)]
pub struct Settings {
    pub database_url: String,
    pub bind: String,
    pub max_body_bytes: usize,
    /// Memory for cached answers to reads (`CANOPY_ANSWER_CACHE_BYTES`; 0 turns the cache off).
    pub answer_cache_bytes: usize,
    /// How long a request body may take to arrive (`CANOPY_BODY_DEADLINE_SECS`).
    pub body_deadline_secs: u64,
    /// The HS256 key of bearer tokens; every instance on one database must share it. Never logged.
    pub jwt_secret: Option<String>,
}

impl Settings {
    pub fn resolve(database_flag: Option<String>, bind_flag: Option<String>, file: &FileConfig) -> Self {
        Settings {
            database_url: database_flag
                .or_else(|| file.database_url.clone())
                .unwrap_or_else(|| DEFAULT_DATABASE_URL.to_owned()),
            bind: bind_flag.or_else(|| file.bind.clone()).unwrap_or_else(|| DEFAULT_BIND.to_owned()),
            max_body_bytes: file.max_body_bytes.unwrap_or(crate::Limits::default().max_body_bytes),
            answer_cache_bytes: std::env::var("CANOPY_ANSWER_CACHE_BYTES")
                .ok()
                .and_then(|v| v.trim().parse().ok())
                .or(file.answer_cache_bytes)
                .unwrap_or(crate::Limits::default().answer_cache_bytes),
            body_deadline_secs: std::env::var("CANOPY_BODY_DEADLINE_SECS")
                .ok()
                .and_then(|v| v.trim().parse().ok())
                .or(file.body_deadline_secs)
                .unwrap_or(crate::Limits::default().body_deadline.as_secs())
                .max(1),
            jwt_secret: std::env::var("CANOPY_JWT_SECRET")
                .ok()
                .filter(|s| !s.is_empty())
                .or_else(|| file.jwt_secret.clone()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags_win_over_the_file_and_the_file_over_defaults() {
        let file = FileConfig { database_url: Some("sqlite://file.db".into()), ..FileConfig::default() };
        let s = Settings::resolve(Some("postgres://flag".into()), None, &file);
        assert_eq!(s.database_url, "postgres://flag");
        assert_eq!(s.bind, DEFAULT_BIND);
        let s = Settings::resolve(None, None, &file);
        assert_eq!(s.database_url, "sqlite://file.db");
    }

    #[test]
    fn unknown_keys_in_the_file_are_an_error() {
        assert!(toml::from_str::<FileConfig>("databse_url = 'x'").is_err());
    }
}
