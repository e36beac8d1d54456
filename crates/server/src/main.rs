//! `canopy`: the server and its operator commands.

use std::{
    io::Write,
    path::{Path, PathBuf},
    process::ExitCode,
};

use actix_web::HttpServer;
use canopy_domain::listing::{CustomerSortField, SortOrder};
use canopy_server::{
    config::{FileConfig, Settings},
    seed, telemetry, AppState, Limits,
};
use canopy_store::{Actor, CustomerFilter, Scope, Store};
use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(name = "canopy", version, about = "Canopy: a hierarchy of customers behind a ServiceStack-compatible API")]
struct Cli {
    /// Database URL: sqlite://PATH (embedded default) or postgres://USER@HOST/DB.
    #[arg(long, global = true, env = "CANOPY_DATABASE_URL")]
    database: Option<String>,
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
        /// Address to listen on.
        #[arg(long, env = "CANOPY_BIND")]
        bind: Option<String>,
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
        #[arg(long, default_value = "json")]
        format: String,
    },
}

fn main() -> ExitCode {
    telemetry::init();
    let cli = Cli::parse();
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("canopy: {message}");
            ExitCode::FAILURE
        }
    }
}

fn open_store(settings: &Settings) -> Result<Store, String> {
    let store = Store::open(&settings.database_url).map_err(|e| e.to_string())?;
    tracing::info!(database = %canopy_store::redact(&settings.database_url), "database ready");
    Ok(store)
}

fn run(cli: Cli) -> Result<(), String> {
    let file = FileConfig::load(&cli.config)?;
    match cli.command {
        Command::Serve { bind, demo, demo_fixture } => {
            let settings = Settings::resolve(cli.database, bind, &file);
            let store = open_store(&settings)?;
            if demo {
                load_demo(&store, &demo_fixture)?;
            }
            serve(store, &settings).map_err(|e| format!("server: {e}"))
        }
        Command::Migrate => {
            let settings = Settings::resolve(cli.database, None, &file);
            let store = Store::connect(&settings.database_url).map_err(|e| e.to_string())?;
            let applied = store.migrate().map_err(|e| e.to_string())?;
            println!("applied {applied} migration(s)");
            Ok(())
        }
        Command::Seed { fixture, synthetic, seed: rng_seed } => {
            let settings = Settings::resolve(cli.database, None, &file);
            let store = open_store(&settings)?;
            let actor = Actor { user_id: Some("seed".into()) };
            let created = match (fixture, synthetic) {
                (Some(path), _) => {
                    let fixture = seed::read_fixture(&path).map_err(|e| e.to_string())?;
                    seed::load_fixture(&store, &fixture, &actor).map_err(|e| e.to_string())?
                }
                (None, Some(n)) => {
                    let plan = seed::SyntheticPlan { seed: rng_seed, ..seed::SyntheticPlan::new(n) };
                    seed::seed_synthetic(&store, plan, &actor).map_err(|e| e.to_string())?
                }
                (None, None) => return Err("seed needs --fixture PATH or --synthetic N".into()),
            };
            println!("created {created} customer(s)");
            Ok(())
        }
        Command::Export { format } => {
            let settings = Settings::resolve(cli.database, None, &file);
            let store = open_store(&settings)?;
            export(&store, &format)
        }
    }
}

fn load_demo(store: &Store, fixture: &Path) -> Result<(), String> {
    if !store.is_empty().map_err(|e| e.to_string())? {
        tracing::info!("database already holds data; demo fixture not loaded");
        return Ok(());
    }
    let fixture = seed::read_fixture(fixture).map_err(|e| e.to_string())?;
    let created =
        seed::load_fixture(store, &fixture, &Actor { user_id: Some("demo".into()) }).map_err(|e| e.to_string())?;
    println!("Loaded the demo fixture: {} account(s), {created} customer(s).", fixture.accounts.len());
    Ok(())
}

#[actix_web::main]
async fn serve(store: Store, settings: &Settings) -> std::io::Result<()> {
    let state = AppState { store, limits: Limits { max_body_bytes: settings.max_body_bytes } };
    let server = HttpServer::new(move || canopy_server::app(state.clone())).bind(&settings.bind)?;
    println!("Canopy listening on http://{}", settings.bind);
    server.run().await
}

/// Streams every customer as one JSON document, a chunk at a time.
fn export(store: &Store, format: &str) -> Result<(), String> {
    if format != "json" {
        return Err(format!("export format '{format}' is not available in this build; use json"));
    }
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    let mut first = true;
    let mut count = 0usize;
    write!(out, "{{\"items\":[").map_err(|e| e.to_string())?;
    let result = store
        .for_each_customer(
            &CustomerFilter::default(),
            &Scope::All,
            CustomerSortField::Name,
            SortOrder::Ascend,
            1000,
            |chunk| -> Result<(), String> {
                for customer in chunk {
                    if !first {
                        out.write_all(b",").map_err(|e| e.to_string())?;
                    }
                    first = false;
                    serde_json::to_writer(&mut out, &customer).map_err(|e| e.to_string())?;
                    count += 1;
                }
                if std::io::IsTerminal::is_terminal(&std::io::stderr()) {
                    eprint!("\rexported {count} customer(s)");
                }
                Ok(())
            },
        )
        .map_err(|e| e.to_string())?;
    result?;
    writeln!(out, "],\"totalCount\":{count},\"totalPages\":1,\"hasMorePages\":false}}").map_err(|e| e.to_string())?;
    out.flush().map_err(|e| e.to_string())
}
