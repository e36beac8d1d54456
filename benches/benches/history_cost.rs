//! What recording customer history costs a write: creates and patches through the store with recording on and
//! off (`Store::set_history_recording`, a knob for this measurement, not a setting), alternated round by round on
//! one database so that the shared machine's drift hits both alike. Prints each round's rates and the median
//! ratio on/off. `cargo bench -p canopy-benches --bench history_cost` (SQLite in `target/bench-data/`; set
//! `CANOPY_BENCH_DATABASE=postgres://…` for PostgreSQL). `HISTORY_BENCH_WRITES` sets the writes per round (400).

use std::time::Instant;

use canopy_domain::{access::Reach, patch::CustomerChanges};
use canopy_store::{Actor, NewAccount, NewCustomer, Store, SystemSettingsChanges};

const ROUNDS: usize = 6;

#[allow(clippy::disallowed_methods)] // knobs of the benchmark run, not settings of the service
fn setting(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.is_empty())
}

fn open() -> Store {
    if let Some(url) = setting("CANOPY_BENCH_DATABASE") {
        return Store::open(&url).expect("bench database opens");
    }
    let dir = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target/bench-data");
    std::fs::create_dir_all(&dir).expect("bench data directory");
    let path = dir.join("history-cost.db");
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
    }
    Store::open(&format!("sqlite://{}", path.display())).expect("bench database opens")
}

/// `writes` writes, half creates and half patches (each patch renames and retags the customer just created), as
/// a rate per second.
fn round(store: &Store, account: &str, actor: &Actor, writes: usize, label: &str) -> f64 {
    let started = Instant::now();
    for n in 0..writes / 2 {
        let new = NewCustomer {
            id: None,
            account_id: account.to_owned(),
            name: format!("{label} {n}"),
            fields: CustomerChanges { reference_id: Some(format!("{label}-{n}")), ..CustomerChanges::default() },
        };
        let (created, _) = store.create_customer(new, actor, &Reach::Everything, None).expect("creates");
        let changes = CustomerChanges {
            name: Some(format!("{label} {n} renamed")),
            tag_ids: Some(vec!["vip".into()]),
            ..CustomerChanges::default()
        };
        store.patch_customer(&created.id, &changes, None, actor, &Reach::Everything).expect("patches");
    }
    writes as f64 / started.elapsed().as_secs_f64()
}

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

fn main() {
    // `cargo bench` passes `--bench`; a filter that does not name this benchmark skips it.
    if std::env::args().skip(1).any(|a| !a.starts_with('-') && !"history_cost".contains(a.as_str())) {
        return;
    }
    let writes: usize = setting("HISTORY_BENCH_WRITES").and_then(|w| w.parse().ok()).unwrap_or(400);
    let store = open();
    let actor = Actor {
        user_id: Some("bench".into()),
        user_name: Some("bench".into()),
        request_id: Some("0123456789abcdef0123456789abcdef".into()),
        operation: None,
    };
    let account = store
        .create_account(NewAccount { name: "history bench".into(), ..NewAccount::default() }, &actor, None)
        .expect("account");
    let vip = canopy_domain::Tag { id: "vip".into(), name: "VIP".into(), color: Default::default() };
    let tags = SystemSettingsChanges { tags: Some(vec![vip]), customer_fields: None };
    store.patch_system_settings(&account.id, &tags, &actor).expect("tags");
    let (mut on, mut off, mut ratios) = (Vec::new(), Vec::new(), Vec::new());
    // A warm-up round of each, not counted.
    for (recording, label) in [(true, "warm on"), (false, "warm off")] {
        store.set_history_recording(recording);
        round(&store, &account.id, &actor, writes / 4, label);
    }
    for r in 0..ROUNDS {
        // Which goes first alternates too: the tables grow as the rounds go, and the later round would pay for it.
        let measure = |recording: bool| {
            store.set_history_recording(recording);
            let label = format!("{} {r}", if recording { "on" } else { "off" });
            round(&store, &account.id, &actor, writes, &label)
        };
        let (with, without) = if r % 2 == 0 {
            let with = measure(true);
            (with, measure(false))
        } else {
            let without = measure(false);
            (measure(true), without)
        };
        println!("round {r}: history on {with:.0} writes/s, off {without:.0} writes/s, ratio {:.2}", with / without);
        on.push(with);
        off.push(without);
        ratios.push(with / without);
    }
    store.set_history_recording(true);
    println!(
        "median: history on {:.0} writes/s, off {:.0} writes/s, ratio on/off {:.2} ({} writes per round, {:?})",
        median(on),
        median(off),
        median(ratios),
        writes,
        store.backend()
    );
}
