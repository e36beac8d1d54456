//! `canopy`: the server and its operator commands.

use std::{
    path::{Path, PathBuf},
    process::ExitCode,
};

use actix_web::HttpServer;
use anyhow::{anyhow, bail, Context, Result};
use canopy_domain::{ManagerAccess, Role};
use canopy_server::{
    auth::{self, AuthConfig},
    config::{FileConfig, Settings, SettingsArgs},
    export::CustomerExport,
    seed, telemetry,
    view::{self, CsvStyle, View},
    AppState,
};
use canopy_store::{Actor, CustomerQuery, NewUser, Store};
use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(name = "canopy", version, about = "Canopy: a hierarchy of customers behind a ServiceStack-compatible API")]
struct Cli {
    #[command(flatten)]
    settings: SettingsArgs,
    /// Configuration file (optional; flags and CANOPY_* variables win over it).
    #[arg(long, global = true, env = "CANOPY_CONFIG", default_value = "canopy.toml")]
    config: PathBuf,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the HTTP server (migrates first).
    Serve {
        /// Load fixtures/demo into an empty database.
        #[arg(long)]
        demo: bool,
        /// Where the demo fixture lives.
        #[arg(long, env = "CANOPY_DEMO_FIXTURE", default_value = "fixtures/demo")]
        demo_fixture: PathBuf,
    },
    /// Apply pending migrations and exit.
    Migrate,
    /// Load data: a fixture file or directory, or a synthetic hierarchy of N customers.
    Seed {
        #[arg(long, conflicts_with = "synthetic")]
        fixture: Option<PathBuf>,
        #[arg(long)]
        synthetic: Option<usize>,
        /// Random seed of the synthetic set (different seeds give disjoint ids).
        #[arg(long, default_value_t = 7)]
        seed: u64,
    },
    /// Write every customer to standard output.
    Export {
        /// json, jsv or csv.
        #[arg(long, default_value = "json")]
        format: String,
        /// With csv: servicestack (JSV inside cells) or flat (dotted columns for spreadsheets).
        #[arg(long, default_value = "servicestack")]
        csv_style: String,
        /// Only these members, in this order (comma-separated wire names, as `fields=` over HTTP).
        #[arg(long, value_delimiter = ',')]
        fields: Vec<String>,
    },
    /// Import customers from a file that export wrote (ServiceStack CSV, flat CSV, JSON or JSON lines) into one
    /// account: one transaction, all or nothing unless --skip-refused; progress on standard error.
    Import {
        /// The file (`-` for standard input).
        file: PathBuf,
        /// The account to import into; without it, the one account the rows name.
        #[arg(long)]
        account: Option<String>,
        /// Check and count what would be created, updated or left unchanged, and write nothing.
        #[arg(long)]
        dry_run: bool,
        /// Skip refused rows (and the rows below them), printing why on standard error, and import the rest.
        #[arg(long)]
        skip_refused: bool,
        /// csv, flatcsv, json or jsonl; without it, from the file's extension, else from its content.
        #[arg(long)]
        format: Option<String>,
    },
    /// Manage users.
    User {
        #[command(subcommand)]
        command: UserCommand,
    },
    /// Manage API keys.
    Apikey {
        #[command(subcommand)]
        command: ApikeyCommand,
    },
    /// Customers' change history.
    History {
        #[command(subcommand)]
        command: HistoryCommand,
    },
}

#[derive(Subcommand)]
enum HistoryCommand {
    /// Remove history rows of changes made before DATE (ISO 8601: 2026-01-01 or 2026-01-01T00:00:00Z); prints
    /// how many were removed.
    Prune {
        #[arg(long)]
        before: String,
    },
}

#[derive(Subcommand)]
enum UserCommand {
    /// Add a user; the password is read from standard input (one line).
    Add {
        #[arg(long = "user")]
        user_name: String,
        #[arg(long, value_parser = parse_role, required = true)]
        role: Vec<Role>,
        #[arg(long = "account")]
        accounts: Vec<String>,
        #[arg(long = "customer")]
        customers: Vec<String>,
        #[arg(long, value_parser = parse_access, default_value = "ReadOnly")]
        manager_access: ManagerAccess,
        #[arg(long)]
        email: Option<String>,
        #[arg(long)]
        display_name: Option<String>,
        /// Accepted for scripts that pass it; the password is always read from standard input (never from the
        /// command line, which every user of the machine can see).
        #[arg(long, hide = true)]
        password_stdin: bool,
    },
    /// List users (name, roles, links, whether disabled).
    List,
    /// Disable a user: its sessions end and no credential of it works, from the next request on.
    Disable {
        #[arg(long = "user")]
        user_name: String,
    },
    /// Enable a disabled user again.
    Enable {
        #[arg(long = "user")]
        user_name: String,
    },
    /// Delete a user with its links, sessions and API keys.
    Delete {
        #[arg(long = "user")]
        user_name: String,
    },
    /// Set a user's password (read from standard input); its sessions end.
    Passwd {
        #[arg(long = "user")]
        user_name: String,
        /// Accepted for scripts that pass it; the password is always read from standard input.
        #[arg(long, hide = true)]
        password_stdin: bool,
    },
}

#[derive(Subcommand)]
enum ApikeyCommand {
    /// Create an API key for a user; the key is printed once, alone on the last line, and stored only hashed.
    Create {
        #[arg(long = "user")]
        user_name: String,
    },
    /// List API keys (their ids and first characters, never the keys), optionally of one user.
    List {
        #[arg(long = "user")]
        user_name: Option<String>,
    },
    /// Revoke an API key by the id `apikey list` shows; it stops working on the next request.
    Revoke {
        #[arg(long)]
        id: String,
    },
}

fn parse_role(text: &str) -> Result<Role, String> {
    Role::parse(text).ok_or_else(|| format!("'{text}' is not a role: SystemAdministrator, Manager or Customer"))
}

fn parse_access(text: &str) -> Result<ManagerAccess, String> {
    match text.to_ascii_lowercase().as_str() {
        "readonly" => Ok(ManagerAccess::ReadOnly),
        "readwrite" => Ok(ManagerAccess::ReadWrite),
        "readwritedelete" => Ok(ManagerAccess::ReadWriteDelete),
        _ => Err(format!("'{text}' is not an access level: ReadOnly, ReadWrite or ReadWriteDelete")),
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let settings = match FileConfig::load(&cli.config).and_then(|file| Settings::resolve(&cli.settings, &file)) {
        Ok(settings) => settings,
        Err(error) => {
            eprintln!("canopy: configuration: {error}");
            return ExitCode::FAILURE;
        }
    };
    let _log_writer = match telemetry::init(&settings.log) {
        Ok(guard) => guard,
        Err(error) => {
            eprintln!("canopy: configuration: {error}");
            return ExitCode::FAILURE;
        }
    };
    match run(cli.command, &settings) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            // `{:#}` prints the context chain: "exporting customers: database: ...".
            eprintln!("canopy: {error:#}");
            ExitCode::FAILURE
        }
    }
}

/// The store of a command that runs once and ends (the server opens its own, see `Command::Serve`).
fn open_store(settings: &Settings) -> Result<Store> {
    let database = canopy_store::redact(&settings.database_url);
    let store =
        Store::open_for_command(&settings.database_url).with_context(|| format!("opening the database {database}"))?;
    tracing::info!(%database, "database ready");
    Ok(store)
}

fn run(command: Command, settings: &Settings) -> Result<()> {
    match command {
        Command::Serve { demo, demo_fixture } => {
            let database = canopy_store::redact(&settings.database_url);
            let store =
                Store::open(&settings.database_url).with_context(|| format!("opening the database {database}"))?;
            tracing::info!(%database, "database ready");
            if demo {
                load_demo(&store, &demo_fixture)
                    .with_context(|| format!("loading the demo fixture {}", demo_fixture.display()))?;
            }
            serve(store, settings).with_context(|| format!("serving on {}", settings.bind))
        }
        Command::Migrate => {
            let database = canopy_store::redact(&settings.database_url);
            let store = Store::connect_for_command(&settings.database_url)
                .with_context(|| format!("connecting to {database}"))?;
            let applied = store.migrate().context("applying migrations")?;
            println!("applied {applied} migration(s)");
            Ok(())
        }
        Command::Seed { fixture, synthetic, seed: rng_seed } => {
            let store = open_store(settings)?;
            let actor = Actor::named("seed");
            let created = match (fixture, synthetic) {
                (Some(path), _) => {
                    let fixture = seed::read_fixture(&path).with_context(|| format!("reading {}", path.display()))?;
                    seed::load_fixture(&store, &fixture, &actor)
                        .with_context(|| format!("loading {}", path.display()))?
                }
                (None, Some(n)) => {
                    let plan = seed::SyntheticPlan { seed: rng_seed, ..seed::SyntheticPlan::new(n) };
                    seed::seed_synthetic(&store, plan, &actor).context("seeding synthetic customers")?
                }
                (None, None) => bail!("seed needs --fixture PATH or --synthetic N"),
            };
            println!("created {created} customer(s)");
            Ok(())
        }
        Command::Export { format, csv_style, fields } => {
            let store = open_store(settings)?;
            export(&store, &format, &csv_style, &fields).context("exporting customers")
        }
        Command::Import { file, account, dry_run, skip_refused, format } => {
            let store = open_store(settings)?;
            let options = canopy_server::import::ImportOptions {
                account_id: account,
                dry_run,
                skip_refused,
                include_rows: false,
            };
            import(&store, &file, options, format.as_deref()).with_context(|| format!("importing {}", file.display()))
        }
        Command::User { command } => {
            let store = open_store(settings)?;
            let done = match command {
                UserCommand::Add {
                    user_name,
                    role,
                    accounts,
                    customers,
                    manager_access,
                    email,
                    display_name,
                    password_stdin: _,
                } => {
                    let password_hash = read_password_hash()?;
                    store
                        .create_user(NewUser {
                            user_name,
                            email,
                            display_name,
                            password_hash,
                            roles: role,
                            manager_access,
                            account_ids: accounts,
                            customer_ids: customers,
                        })
                        .map(|user| format!("created user '{}' ({})", user.user_name, user.id))
                }
                UserCommand::List => {
                    for user in store.list_users().context("listing users")? {
                        let roles: Vec<&str> = user.roles.iter().map(|r| r.as_str()).collect();
                        println!(
                            "{}\t{}\t{}\taccounts={}\tcustomers={}{}",
                            user.user_name,
                            user.id,
                            roles.join(","),
                            user.account_ids.join(","),
                            user.customer_ids.join(","),
                            if user.disabled { "\tdisabled" } else { "" }
                        );
                    }
                    return Ok(());
                }
                UserCommand::Disable { user_name } => {
                    store.set_user_disabled(&user_name, true).map(|()| format!("disabled '{user_name}'"))
                }
                UserCommand::Enable { user_name } => {
                    store.set_user_disabled(&user_name, false).map(|()| format!("enabled '{user_name}'"))
                }
                UserCommand::Delete { user_name } => {
                    store.delete_user(&user_name).map(|()| format!("deleted '{user_name}'"))
                }
                UserCommand::Passwd { user_name, password_stdin: _ } => {
                    let hash = read_password_hash()?;
                    store.set_password_hash(&user_name, &hash).map(|()| format!("password of '{user_name}' set"))
                }
            };
            println!("{}", done?);
            Ok(())
        }
        Command::Apikey { command: ApikeyCommand::List { user_name } } => {
            let store = open_store(settings)?;
            for key in store.list_api_keys(user_name.as_deref()).context("listing API keys")? {
                println!("{}\t{}…\t{}\t{}", key.id, key.prefix, key.user_name, key.date_created);
            }
            Ok(())
        }
        Command::History { command: HistoryCommand::Prune { before } } => {
            let Some(cutoff) = canopy_store::clock::parse(&before) else {
                bail!("--before '{before}' is not an ISO 8601 date or date and time (2026-01-01, 2026-01-01T00:00:00Z)")
            };
            let store = open_store(settings)?;
            let removed = store.prune_history(&cutoff).context("pruning customer history")?;
            println!("removed {removed} history row(s) of changes before {cutoff}");
            Ok(())
        }
        Command::Apikey { command: ApikeyCommand::Revoke { id } } => {
            let store = open_store(settings)?;
            store.revoke_api_key(&id).with_context(|| format!("revoking API key {id}"))?;
            println!("revoked API key {id}");
            Ok(())
        }
        Command::Apikey { command: ApikeyCommand::Create { user_name } } => {
            let store = open_store(settings)?;
            let user = store
                .user_by_name(&user_name)
                .context("looking the user up")?
                .ok_or_else(|| anyhow!("no user named '{user_name}'"))?;
            let key = auth::new_api_key();
            store.create_api_key(&user.id, &auth::digest(&key), &key[..7]).context("storing the API key")?;
            println!("API key for '{}' (shown once; store it now):", user.user_name);
            println!("{key}");
            Ok(())
        }
    }
}

/// A password read from standard input (one line, at least 8 characters), hashed with argon2id.
fn read_password_hash() -> Result<String> {
    let mut password = String::new();
    std::io::stdin().read_line(&mut password).context("reading the password from standard input")?;
    let password = password.trim_end_matches(['\r', '\n']);
    if password.chars().count() < 8 {
        bail!("the password must be at least 8 characters");
    }
    auth::hash_password(password).map_err(|e| anyhow!("hashing the password: {e}"))
}

fn load_demo(store: &Store, fixture: &Path) -> Result<()> {
    if !store.is_empty()? {
        tracing::info!("database already holds data; demo fixture not loaded");
        return Ok(());
    }
    let fixture = seed::read_fixture(fixture)?;
    let created = seed::load_fixture(store, &fixture, &Actor::named("demo"))?;
    println!("Loaded the demo fixture: {} account(s), {created} customer(s).", fixture.accounts.len());
    // Demo only: the demo's own logins, so that a newcomer can try every role at once.
    println!("Demo logins (user / password / roles):");
    for user in &fixture.users {
        let roles: Vec<&str> = user.roles.iter().map(|r| r.as_str()).collect();
        println!("  {:<10} {:<24} {}", user.user_name, user.password, roles.join(","));
    }
    Ok(())
}

/// With `history_retention_days` set: removes older history now, then once a day, on a thread of its own (a
/// failed prune is logged and tried again the next day; it never stops the server).
fn prune_history_daily(store: Store, keep: std::time::Duration) {
    const DAY: std::time::Duration = std::time::Duration::from_secs(24 * 60 * 60);
    let prune = move || loop {
        let before = canopy_store::clock::text_before(keep);
        match store.prune_history(&before) {
            Ok(removed) => tracing::info!(removed, %before, "pruned customer history"),
            Err(error) => tracing::warn!(%error, "pruning customer history failed"),
        }
        std::thread::sleep(DAY);
    };
    if let Err(error) = std::thread::Builder::new().name("history-prune".into()).spawn(prune) {
        tracing::warn!(%error, "cannot start pruning customer history");
    }
}

#[actix_web::main]
async fn serve(store: Store, settings: &Settings) -> std::io::Result<()> {
    if let Some(keep) = settings.history_retention {
        prune_history_daily(store.clone(), keep);
    }
    let secret = match &settings.jwt_secret {
        Some(secret) => secret.as_bytes().to_vec(),
        None => {
            tracing::warn!(
                "CANOPY_JWT_SECRET is not set: bearer tokens are signed with a random key and die with this process"
            );
            AuthConfig::random_secret()
        }
    };
    let auth = AuthConfig { api_key_in_params: settings.api_key_in_params, ..AuthConfig::new(secret) };
    let state = AppState::new(store, settings.limits, auth);
    let server = HttpServer::new(move || canopy_server::app(state.clone())).bind(&settings.bind)?;
    // The address actually bound: with port 0 the system picks one, and scripts read it from this line.
    for address in server.addrs() {
        println!("Canopy listening on http://{address}");
    }
    server.run().await
}

/// `canopy import`: the same reading and the same store import as ImportCustomers, as a SystemAdministrator
/// (the operator of the database) named `canopy import` in the history.
fn import(
    store: &Store,
    file: &Path,
    options: canopy_server::import::ImportOptions,
    format: Option<&str>,
) -> Result<()> {
    use canopy_server::import::{data_kinds_in, read_file, FileFormat, ReadError};
    // Read as a stream, never whole: standard input is first copied to a temporary file, as the format may have
    // to be told from the content.
    let mut input = if file == Path::new("-") {
        let mut copy = tempfile::tempfile().context("a temporary file for standard input")?;
        std::io::copy(&mut std::io::stdin(), &mut copy).context("reading standard input")?;
        std::io::Seek::rewind(&mut copy).context("reading standard input")?;
        copy
    } else {
        std::fs::File::open(file).context("opening the file")?
    };
    let format = match format {
        Some(name) => FileFormat::from_name(name)
            .ok_or_else(|| anyhow!("--format '{name}' is not one of csv, flatcsv, json, jsonl"))?,
        None => match FileFormat::from_path(file) {
            Some(format) => format,
            None => FileFormat::sniff(&mut input).context("reading the file")?,
        },
    };
    let report = |errors: canopy_domain::ValidationErrors| {
        for error in &errors.0 {
            eprintln!("{}: {} ({})", error.field, error.message, error.code);
        }
        anyhow!("{} refusal(s); nothing was imported", errors.0.len())
    };
    let dry_run = options.dry_run;
    let read = read_file(std::io::BufReader::new(input), format, options, &mut data_kinds_in(store));
    let mut file = match read {
        Ok(file) => file,
        Err(ReadError::Refused(errors)) => return Err(report(errors)),
        Err(ReadError::Io(cause)) => return Err(anyhow!(cause).context("reading the file")),
    };
    let total = file.request.rows.len();
    eprintln!("read {total} rows ({format:?}); importing into account '{}'", file.request.account_id);
    let actor = Actor {
        user_id: None,
        user_name: Some("canopy import".into()),
        request_id: None,
        operation: Some("ImportCustomers".into()),
    };
    let anyone = |_: &str, _: &canopy_domain::patch::CustomerChanges| Ok(());
    let started = std::time::Instant::now();
    let mut progress = |done: u64| eprint!("\r{done}/{total} rows written");
    let outcome = store.import_customer_rows(
        file.request,
        &mut file.rows,
        &actor,
        &canopy_domain::access::Reach::Everything,
        &anyone,
        None,
        &mut progress,
    );
    eprintln!();
    let summary = match outcome {
        Ok(summary) => summary,
        Err(canopy_store::StoreError::Validation(errors)) => return Err(report(errors)),
        Err(other) => return Err(other.into()),
    };
    let seconds = started.elapsed().as_secs_f64();
    for refusal in &summary.refused {
        eprintln!("skipped {}: {} ({})", refusal.field_name, refusal.message, refusal.error_code);
    }
    let what = if dry_run { "dry run, nothing written" } else { "imported" };
    let skipped = if summary.skipped > 0 { format!(", {} skipped", summary.skipped) } else { String::new() };
    println!(
        "{} created, {} updated, {} unchanged{skipped} ({what} in {seconds:.1} s)",
        summary.created, summary.updated, summary.unchanged
    );
    Ok(())
}

/// Streams every customer to standard output in `format`, 500 at a time (memory stays flat however many
/// there are), with a progress line on standard error when it is a terminal.
fn export(store: &Store, format: &str, csv_style: &str, fields: &[String]) -> Result<()> {
    let format = canopy_wire::negotiation::Format::from_name(format)
        .ok_or_else(|| anyhow!("export format '{format}' is not one of json, jsv, csv"))?;
    let query = CustomerQuery::everything();
    let view = export_view(store, &query, format, csv_style, fields)?;
    let interactive = std::io::IsTerminal::is_terminal(&std::io::stderr());
    let total = if interactive {
        let paging = canopy_domain::listing::Paging::Page { page: 0, count_per_page: 1, simplified: false };
        store
            .list_customers(&CustomerQuery { paging, ..query.clone() })
            .context("counting customers")?
            .totals
            .total_count
            .unwrap_or(0)
    } else {
        0
    };
    let mut export = CustomerExport::new(&query, format).viewed(view);
    if interactive {
        export = export.reporting_progress(|done| {
            let percent = (done * 100).checked_div(total).unwrap_or(100).min(100);
            let bar = "#".repeat((percent / 4) as usize);
            eprint!("\r[{bar:<25}] {done}/{total} customers");
        });
    }
    // 64 KiB at a time, as the HTTP answer sends them: the default 8 KiB made 9,400 writes of a 72 MiB export.
    let stdout = std::io::BufWriter::with_capacity(64 * 1024, std::io::stdout().lock());
    export.write_to(store, stdout).map_err(|e| anyhow!("{e}"))?;
    if interactive {
        eprintln!();
    }
    Ok(())
}

/// What `--csv-style` and `--fields` ask of an export, as `csvStyle=` and `fields=` ask it over HTTP; a flat CSV
/// finds its data and integration keys first, so that its header can come first.
fn export_view(
    store: &Store,
    query: &CustomerQuery,
    format: canopy_wire::negotiation::Format,
    csv_style: &str,
    fields: &[String],
) -> Result<View> {
    let style = match csv_style.to_ascii_lowercase().as_str() {
        "servicestack" => CsvStyle::ServiceStack,
        "flat" => CsvStyle::Flat,
        other => bail!("csv style '{other}' is not one of servicestack, flat"),
    };
    let view = View::new(view::customer_layout(false), fields, Some(style)).map_err(|e| anyhow!("{e}"))?;
    if !view.is_flat(format) {
        return Ok(view);
    }
    let keys = view::customer_map_keys(store, query).map_err(|e| anyhow!("{e}"))?;
    Ok(view.with_map_keys(&keys))
}
