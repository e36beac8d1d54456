//! Shared set-up of Canopy's benchmarks: a synthetic data set, built once and reused between runs.

use std::path::PathBuf;

use canopy_server::seed::{seed_synthetic, SyntheticPlan};
use canopy_store::{Actor, Store};

/// A SQLite file holding `customers` synthetic customers (built on first use, kept under `target/`), or the
/// PostgreSQL database named by `CANOPY_BENCH_DATABASE` (seeded if empty).
#[allow(clippy::disallowed_methods)] // a knob of the benchmark run, not a setting of the service
pub fn synthetic_store(customers: usize) -> Store {
    if let Some(url) = std::env::var("CANOPY_BENCH_DATABASE").ok().filter(|u| !u.is_empty()) {
        let store = Store::open(&url).expect("bench database opens");
        if store.is_empty().expect("bench database answers") {
            seed_synthetic(&store, SyntheticPlan::new(customers), &Actor::default()).expect("seeds");
        }
        return store;
    }
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target/bench-data");
    std::fs::create_dir_all(&dir).expect("bench data directory");
    let path = dir.join(format!("synthetic-{customers}.db"));
    let url = format!("sqlite://{}", path.display());
    let store = Store::open(&url).expect("bench database opens");
    if store.is_empty().expect("bench database answers") {
        let started = std::time::Instant::now();
        seed_synthetic(&store, SyntheticPlan::new(customers), &Actor::default()).expect("seeds");
        eprintln!("seeded {customers} customers in {:.1}s", started.elapsed().as_secs_f64());
    }
    store
}
