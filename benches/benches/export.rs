//! Exporting the 100,000-customer synthetic set, as `all=true` and `canopy export` do: throughput and peak memory
//! for each format. Not a criterion bench (one export takes seconds and peak memory needs a fresh high-water
//! mark), so it runs each export three times and reports the median. `cargo bench -p canopy-benches --bench export`.

use std::{io::Write, time::Instant};

use canopy_server::export::{CustomerExport, EXPORT_CHUNK};
use canopy_store::CustomerQuery;
use canopy_wire::negotiation::Format;

const CUSTOMERS: usize = 100_000;

/// Counts bytes and drops them: what a fast client does.
struct Counter(u64);

impl Write for Counter {
    fn write(&mut self, data: &[u8]) -> std::io::Result<usize> {
        self.0 += data.len() as u64;
        Ok(data.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

fn status_kib(field: &str) -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| s.lines().find(|l| l.starts_with(field)).map(str::to_owned))
        .and_then(|l| l.split_whitespace().nth(1).and_then(|n| n.parse().ok()))
        .unwrap_or(0)
}

/// Resets the peak-RSS mark (Linux: writing 5 to clear_refs), so each export's peak is its own.
fn reset_peak() {
    let _ = std::fs::write("/proc/self/clear_refs", "5");
}

fn main() {
    if std::env::args().any(|a| a == "--list") {
        return;
    }
    let store = canopy_benches::synthetic_store(CUSTOMERS);
    let query = CustomerQuery::everything();
    // The read alone, as the baseline every format adds its writing to.
    let started = Instant::now();
    let mut rows = 0usize;
    store
        .for_each_customer(&query, EXPORT_CHUNK, |chunk| {
            rows += chunk.len();
            Ok::<(), ()>(())
        })
        .expect("reads")
        .expect("counts");
    let seconds = started.elapsed().as_secs_f64();
    println!("read only   {rows} customers: {seconds:.2} s, {:.0} customers/s", rows as f64 / seconds);
    for format in [Format::Csv, Format::Json, Format::Jsv] {
        let mut runs = Vec::new();
        for _ in 0..3 {
            reset_peak();
            let before = status_kib("VmRSS:");
            let started = Instant::now();
            let (counter, rows) = CustomerExport::new(&query, format).write_to(&store, Counter(0)).expect("exports");
            let bytes = counter.0;
            let seconds = started.elapsed().as_secs_f64();
            let peak = status_kib("VmHWM:");
            runs.push((seconds, rows, bytes, peak.saturating_sub(before), peak));
        }
        runs.sort_by(|a, b| a.0.total_cmp(&b.0));
        let (seconds, rows, bytes, growth, peak) = runs[1];
        println!(
            "export {:<4} {rows} customers: median {seconds:.2} s, {:.0} customers/s, {:.1} MB/s, peak RSS {} MiB (+{} MiB during the export)",
            format.name(),
            rows as f64 / seconds,
            bytes as f64 / seconds / 1e6,
            peak / 1024,
            growth / 1024,
        );
    }
}
