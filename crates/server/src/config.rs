//! Every setting of the service, resolved once, in one order: a command-line flag, then its `CANOPY_*` environment
//! variable (clap reads both), then `canopy.toml`, then the default. The table in docs/configuration.md lists them
//! all; this is the only module that reads the environment (`clippy.toml` refuses `std::env::var` elsewhere).

use std::{path::Path, time::Duration};

use serde::Deserialize;

use crate::Limits;

/// Every setting as flags and `CANOPY_*` variables give it (a flag wins over its variable); `None` when neither
/// does.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct SettingsArgs {
    /// Database URL: sqlite://PATH (embedded default) or postgres://USER@HOST/DB.
    #[arg(long = "database", global = true, env = "CANOPY_DATABASE_URL")]
    pub database_url: Option<String>,
    /// Address the server listens on.
    #[arg(long, global = true, env = "CANOPY_BIND")]
    pub bind: Option<String>,
    /// Largest request body, in bytes.
    #[arg(long, global = true, env = "CANOPY_MAX_BODY_BYTES")]
    pub max_body_bytes: Option<usize>,
    /// Largest import file sent to ImportCustomers (`POST /customers/import`), in bytes.
    #[arg(long, global = true, env = "CANOPY_MAX_IMPORT_BYTES")]
    pub max_import_bytes: Option<usize>,
    /// Memory for cached answers to reads, in bytes (0 turns the cache off).
    #[arg(long, global = true, env = "CANOPY_ANSWER_CACHE_BYTES")]
    pub answer_cache_bytes: Option<usize>,
    /// How long a request body may take to arrive, in seconds.
    #[arg(long, global = true, env = "CANOPY_BODY_DEADLINE_SECS")]
    pub body_deadline_secs: Option<u64>,
    /// Log filter (tracing's EnvFilter syntax: `info`, `canopy_server=debug,warn`, ...).
    #[arg(long, global = true, env = "CANOPY_LOG")]
    pub log: Option<String>,
    /// The HS256 key of bearer tokens; every instance on one database must share it. Prefer the variable or the
    /// file: a command line is visible to every user of the machine.
    #[arg(long, global = true, env = "CANOPY_JWT_SECRET", hide_env_values = true)]
    pub jwt_secret: Option<String>,
    /// Accept an API key as an `apikey` query or form member (off by default: URLs end up in logs).
    #[arg(long, global = true, env = "CANOPY_API_KEY_IN_PARAMS")]
    pub api_key_in_params: Option<bool>,
    /// Days of customer change history to keep; older rows are removed at start and once a day (unset: kept for
    /// ever).
    #[arg(long, global = true, env = "CANOPY_HISTORY_RETENTION_DAYS")]
    pub history_retention_days: Option<u32>,
}

/// What `canopy.toml` may set: the same settings, every key optional; an unknown key is an error.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "snake_case")]
pub struct FileConfig {
    pub database_url: Option<String>,
    pub bind: Option<String>,
    pub max_body_bytes: Option<usize>,
    pub max_import_bytes: Option<usize>,
    pub answer_cache_bytes: Option<usize>,
    pub body_deadline_secs: Option<u64>,
    pub log: Option<String>,
    pub jwt_secret: Option<String>,
    pub api_key_in_params: Option<bool>,
    pub history_retention_days: Option<u32>,
}

pub const DEFAULT_DATABASE_URL: &str = "sqlite://canopy.db";
pub const DEFAULT_BIND: &str = "127.0.0.1:8080";
pub const DEFAULT_LOG: &str = "info";

/// A setting that cannot be used, named as the table names it.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("{path}: {message}")]
    File { path: String, message: String },
    #[error("{setting} {message}")]
    Invalid { setting: &'static str, message: String },
}

impl FileConfig {
    /// Reads `path` if it exists; a file that exists but cannot be read is an error, not a silent default.
    pub fn load(path: &Path) -> Result<Self, ConfigError> {
        let error = |message: String| ConfigError::File { path: path.display().to_string(), message };
        match std::fs::read_to_string(path) {
            Ok(text) => toml::from_str(&text).map_err(|e| error(e.to_string())),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Self::default()),
            Err(e) => Err(error(e.to_string())),
        }
    }
}

/// Settings resolved once in `main` and passed down.
#[derive(Clone)]
pub struct Settings {
    pub database_url: String,
    pub bind: String,
    pub limits: Limits,
    pub log: String,
    /// Never logged, never shown (`Debug` is not derived for that reason).
    pub jwt_secret: Option<String>,
    pub api_key_in_params: bool,
    /// How long customer change history is kept; `None`: for ever.
    pub history_retention: Option<Duration>,
}

impl Settings {
    /// Flags and variables first, then the file, then the defaults.
    pub fn resolve(args: &SettingsArgs, file: &FileConfig) -> Result<Self, ConfigError> {
        let defaults = Limits::default();
        let body_deadline_secs =
            args.body_deadline_secs.or(file.body_deadline_secs).unwrap_or(defaults.body_deadline.as_secs());
        if body_deadline_secs == 0 {
            return Err(ConfigError::Invalid { setting: "body_deadline_secs", message: "must be at least 1".into() });
        }
        let max_body_bytes = args.max_body_bytes.or(file.max_body_bytes).unwrap_or(defaults.max_body_bytes);
        if max_body_bytes == 0 {
            return Err(ConfigError::Invalid { setting: "max_body_bytes", message: "must be at least 1".into() });
        }
        let max_import_bytes = args.max_import_bytes.or(file.max_import_bytes).unwrap_or(defaults.max_import_bytes);
        if max_import_bytes == 0 {
            return Err(ConfigError::Invalid { setting: "max_import_bytes", message: "must be at least 1".into() });
        }
        let history_retention = match args.history_retention_days.or(file.history_retention_days) {
            Some(0) => {
                return Err(ConfigError::Invalid {
                    setting: "history_retention_days",
                    message: "must be at least 1 (leave it unset to keep history for ever)".into(),
                })
            }
            days => days.map(|days| Duration::from_secs(u64::from(days) * 24 * 60 * 60)),
        };
        Ok(Settings {
            database_url: first(&args.database_url, &file.database_url).unwrap_or_else(|| DEFAULT_DATABASE_URL.into()),
            bind: first(&args.bind, &file.bind).unwrap_or_else(|| DEFAULT_BIND.into()),
            limits: Limits {
                max_body_bytes,
                max_import_bytes,
                answer_cache_bytes: args
                    .answer_cache_bytes
                    .or(file.answer_cache_bytes)
                    .unwrap_or(defaults.answer_cache_bytes),
                body_deadline: Duration::from_secs(body_deadline_secs),
            },
            log: first(&args.log, &file.log).unwrap_or_else(|| DEFAULT_LOG.into()),
            jwt_secret: first(&args.jwt_secret, &file.jwt_secret),
            api_key_in_params: args.api_key_in_params.or(file.api_key_in_params).unwrap_or(false),
            history_retention,
        })
    }
}

/// The first non-empty text (an empty variable counts as unset, as shells make it easy to set one by mistake).
fn first(flag_or_variable: &Option<String>, file: &Option<String>) -> Option<String> {
    [flag_or_variable, file].into_iter().flatten().find(|value| !value.trim().is_empty()).cloned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags_and_variables_win_over_the_file_and_the_file_over_defaults() {
        let file = FileConfig {
            database_url: Some("sqlite://file.db".into()),
            max_body_bytes: Some(10),
            log: Some("debug".into()),
            ..FileConfig::default()
        };
        let args = SettingsArgs {
            database_url: Some("postgres://flag".into()),
            max_body_bytes: Some(20),
            ..SettingsArgs::default()
        };
        let s = Settings::resolve(&args, &file).expect("valid");
        assert_eq!(s.database_url, "postgres://flag");
        assert_eq!(s.limits.max_body_bytes, 20);
        assert_eq!(s.log, "debug");
        assert_eq!(s.bind, DEFAULT_BIND);
        let s = Settings::resolve(&SettingsArgs::default(), &file).expect("valid");
        assert_eq!(s.database_url, "sqlite://file.db");
        assert_eq!(s.limits.max_body_bytes, 10);
        let s = Settings::resolve(&SettingsArgs::default(), &FileConfig::default()).expect("valid");
        assert_eq!(s.limits.answer_cache_bytes, Limits::default().answer_cache_bytes);
        assert_eq!(s.log, DEFAULT_LOG);
        assert!(s.jwt_secret.is_none());
        assert!(!s.api_key_in_params, "API keys in URLs are off unless asked for");
        assert!(s.history_retention.is_none(), "history is kept for ever unless asked otherwise");
        let file = FileConfig { history_retention_days: Some(30), ..FileConfig::default() };
        let s = Settings::resolve(&SettingsArgs::default(), &file).expect("valid");
        assert_eq!(s.history_retention, Some(Duration::from_secs(30 * 86_400)));
    }

    #[test]
    fn an_empty_secret_counts_as_unset() {
        let args = SettingsArgs { jwt_secret: Some("".into()), ..SettingsArgs::default() };
        let file = FileConfig { jwt_secret: Some("from-file".into()), ..FileConfig::default() };
        assert_eq!(Settings::resolve(&args, &file).expect("valid").jwt_secret.as_deref(), Some("from-file"));
    }

    #[test]
    fn unusable_values_are_refused_with_their_name() {
        let args = SettingsArgs { body_deadline_secs: Some(0), ..SettingsArgs::default() };
        let error = Settings::resolve(&args, &FileConfig::default()).err().expect("refused");
        assert!(error.to_string().contains("body_deadline_secs"));
        let args = SettingsArgs { history_retention_days: Some(0), ..SettingsArgs::default() };
        let error = Settings::resolve(&args, &FileConfig::default()).err().expect("refused");
        assert!(error.to_string().contains("history_retention_days"));
    }

    #[test]
    fn unknown_keys_in_the_file_are_an_error() {
        assert!(toml::from_str::<FileConfig>("databse_url = 'x'").is_err());
    }

    #[test]
    fn every_file_key_is_also_a_flag() {
        // The table in docs/configuration.md promises each setting in all three places.
        use clap::CommandFactory;
        #[derive(clap::Parser)]
        struct Probe {
            #[command(flatten)]
            settings: SettingsArgs,
        }
        let command = Probe::command();
        let flags: Vec<String> = command.get_arguments().filter_map(|a| a.get_long()).map(str::to_owned).collect();
        for key in [
            "bind",
            "max_body_bytes",
            "max_import_bytes",
            "answer_cache_bytes",
            "body_deadline_secs",
            "log",
            "jwt_secret",
            "api_key_in_params",
            "history_retention_days",
        ] {
            assert!(flags.contains(&key.replace('_', "-")), "no flag for {key}: {flags:?}");
        }
        assert!(flags.contains(&"database".to_owned()));
    }
}
