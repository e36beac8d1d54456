//! In-process metrics for `GET /metrics`, rendered in the Prometheus text exposition format, version 0.0.4.
//!
//! Recording is lock-free on the hot path apart from a shared read lock: the write lock is taken only the first
//! time an operation (or a status of an operation) is seen. Rendering copies the registry's keys under the read
//! lock and formats outside it.

use std::collections::{BTreeMap, HashMap};
use std::fmt::{self, Write as _};
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::sync::{Arc, RwLock, RwLockReadGuard, RwLockWriteGuard};
use std::time::Duration;

/// The `Content-Type` of [`Metrics::render`]'s text.
pub const CONTENT_TYPE: &str = "text/plain; version=0.0.4; charset=utf-8";

/// Buckets for durations in seconds, from half a millisecond to ten seconds.
pub const LATENCY_BUCKETS: &[f64] =
    &[0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0];

/// Buckets for SQL statements per request (Fibonacci past five: N+1 query patterns show up as a long tail).
const STATEMENT_BUCKETS: &[f64] = &[1.0, 2.0, 3.0, 4.0, 5.0, 8.0, 13.0, 21.0, 34.0, 55.0];

/// How many distinct operation names get series of their own; later ones are folded into [`OTHER`].
const MAX_OPERATIONS: usize = 64;

/// The operation label of requests whose operation name arrived after [`MAX_OPERATIONS`] others.
const OTHER: &str = "other";

/// A fixed-bucket histogram with atomic counters, usable from any thread.
#[derive(Debug)]
pub struct Histogram {
    bounds: &'static [f64],
    /// Observations per bucket, not cumulative; one more than `bounds`: the last is for values above every bound.
    counts: Box<[AtomicU64]>,
    /// The sum of observations, as the bits of an `f64`.
    sum: AtomicU64,
}

impl Histogram {
    /// `bounds` are the buckets' inclusive upper bounds: finite and strictly ascending (`+Inf` is implied).
    ///
    /// # Panics
    /// When `bounds` are not finite and strictly ascending: they are constants, so this is a programming error.
    pub fn new(bounds: &'static [f64]) -> Self {
        assert!(
            bounds.iter().all(|bound| bound.is_finite()) && bounds.windows(2).all(|pair| pair[0] < pair[1]),
            "histogram bounds must be finite and strictly ascending: {bounds:?}"
        );
        Histogram { bounds, counts: (0..=bounds.len()).map(|_| AtomicU64::new(0)).collect(), sum: AtomicU64::new(0) }
    }

    /// Records one value. NaN is ignored: it would make the sum NaN for good.
    pub fn observe(&self, value: f64) {
        if value.is_nan() {
            return;
        }
        // The first bucket whose bound is >= value; `bounds.len()` (the +Inf bucket) when there is none.
        let index = self.bounds.partition_point(|bound| *bound < value);
        if let Some(count) = self.counts.get(index) {
            count.fetch_add(1, Relaxed);
        }
        // A compare-exchange loop: the closure always returns `Some`, so this cannot fail.
        let _ = self.sum.fetch_update(Relaxed, Relaxed, |bits| Some((f64::from_bits(bits) + value).to_bits()));
    }

    /// `(count, sum, cumulative buckets)`: each bucket is `(upper bound, observations <= bound)`, ascending; the
    /// `+Inf` bucket is not included, it is `count`.
    ///
    /// The buckets and the count are always consistent with each other (the count is derived from them); the sum
    /// may lag or lead them by observations recorded during the snapshot.
    pub fn snapshot(&self) -> (u64, f64, Vec<(f64, u64)>) {
        let mut cumulative = 0u64;
        let mut buckets = Vec::with_capacity(self.bounds.len());
        for (bound, count) in self.bounds.iter().zip(self.counts.iter()) {
            cumulative = cumulative.saturating_add(count.load(Relaxed));
            buckets.push((*bound, cumulative));
        }
        let above = self.counts.last().map_or(0, |count| count.load(Relaxed));
        (cumulative.saturating_add(above), f64::from_bits(self.sum.load(Relaxed)), buckets)
    }
}

/// The database pool as the store reports it at scrape time (in use = `connections - idle_connections`; the
/// wait buckets are cumulative, `+Inf` is `waits`).
pub use canopy_store::PoolStatus as PoolSnapshot;

/// Everything recorded for one operation.
#[derive(Debug)]
struct PerOperation {
    /// Requests by HTTP status.
    statuses: RwLock<BTreeMap<u16, AtomicU64>>,
    duration: Histogram,
    statements: Histogram,
}

impl PerOperation {
    fn new() -> Self {
        PerOperation {
            statuses: RwLock::new(BTreeMap::new()),
            duration: Histogram::new(LATENCY_BUCKETS),
            statements: Histogram::new(STATEMENT_BUCKETS),
        }
    }

    fn record(&self, status: u16, elapsed: Duration, statements: u64) {
        let counted = read(&self.statuses).get(&status).map(|count| count.fetch_add(1, Relaxed)).is_some();
        if !counted {
            write(&self.statuses).entry(status).or_insert_with(|| AtomicU64::new(0)).fetch_add(1, Relaxed);
        }
        self.duration.observe(elapsed.as_secs_f64());
        self.statements.observe(statements as f64);
    }

    fn statuses(&self) -> Vec<(u16, u64)> {
        read(&self.statuses).iter().map(|(status, count)| (*status, count.load(Relaxed))).collect()
    }
}

#[derive(Debug, Default)]
struct Operations {
    by_name: HashMap<String, Arc<PerOperation>>,
    /// How many names got an entry of their own (the folded [`OTHER`] entry, when there is one, is not counted).
    named: usize,
}

/// The server's metrics. Shared by all workers (wrapped in `Arc` by the caller); recording is cheap and never blocks
/// for long.
#[derive(Debug, Default)]
pub struct Metrics {
    operations: RwLock<Operations>,
}

impl Metrics {
    pub fn new() -> Self {
        Self::default()
    }

    /// One finished request: its operation name (a bounded set: ServiceStack DTO names such as `ListCustomers`, or
    /// `health`, `metrics`, `unmatched`), its HTTP status, how long it took, and how many SQL statements it ran.
    ///
    /// After [`MAX_OPERATIONS`] distinct names, requests of further names are recorded as operation `other`.
    pub fn record_request(&self, operation: &str, status: u16, elapsed: Duration, statements: u64) {
        {
            let operations = read(&self.operations);
            let entry = match operations.by_name.get(operation) {
                Some(entry) => Some(entry),
                None if operations.named >= MAX_OPERATIONS => operations.by_name.get(OTHER),
                None => None,
            };
            if let Some(entry) = entry {
                entry.record(status, elapsed, statements);
                return;
            }
        }
        let mut operations = write(&self.operations);
        let key = if operations.by_name.contains_key(operation) {
            operation
        } else if operations.named < MAX_OPERATIONS {
            operations.named += 1;
            operation
        } else {
            if !operations.by_name.contains_key(OTHER) {
                tracing::warn!(
                    operation,
                    limit = MAX_OPERATIONS,
                    "too many distinct operation names; metrics record further ones as operation \"other\""
                );
            }
            OTHER
        };
        let entry = operations.by_name.entry(key.to_owned()).or_insert_with(|| Arc::new(PerOperation::new()));
        entry.record(status, elapsed, statements);
    }

    /// The whole exposition text, in the format of [`CONTENT_TYPE`].
    pub fn render(&self, pool: &PoolSnapshot) -> String {
        let mut operations: Vec<(String, Arc<PerOperation>)> =
            read(&self.operations).by_name.iter().map(|(name, entry)| (name.clone(), Arc::clone(entry))).collect();
        operations.sort_unstable_by(|a, b| a.0.cmp(&b.0));
        let mut out = String::with_capacity(4096 + operations.len() * 3072);
        // Writing to a `String` cannot fail.
        let _ = write_all(&mut out, &operations, pool);
        out
    }
}

fn write_all(out: &mut String, operations: &[(String, Arc<PerOperation>)], pool: &PoolSnapshot) -> fmt::Result {
    let name = "canopy_http_requests_total";
    write_header(out, name, "counter", "HTTP requests finished, by operation and status.")?;
    for (operation, entry) in operations {
        for (status, count) in entry.statuses() {
            let status = status.to_string();
            write_sample(out, name, &[("operation", operation), ("status", &status)], None, count)?;
        }
    }

    let name = "canopy_http_request_duration_seconds";
    write_header(out, name, "histogram", "Time taken to handle HTTP requests, by operation.")?;
    for (operation, entry) in operations {
        let (count, sum, buckets) = entry.duration.snapshot();
        write_histogram(out, name, &[("operation", operation)], count, sum, &buckets)?;
    }

    let name = "canopy_db_statements_per_request";
    write_header(out, name, "histogram", "SQL statements run per HTTP request, by operation.")?;
    for (operation, entry) in operations {
        let (count, sum, buckets) = entry.statements.snapshot();
        write_histogram(out, name, &[("operation", operation)], count, sum, &buckets)?;
    }

    let gauges = [
        ("canopy_db_pool_max_connections", "Most connections the database pool may open.", pool.max_connections),
        ("canopy_db_pool_connections", "Open database connections.", pool.connections),
        (
            "canopy_db_pool_connections_in_use",
            "Open database connections in use.",
            pool.connections.saturating_sub(pool.idle_connections),
        ),
        ("canopy_db_pool_connections_idle", "Open database connections that are idle.", pool.idle_connections),
    ];
    for (name, help, value) in gauges {
        write_header(out, name, "gauge", help)?;
        write_sample(out, name, &[], None, value)?;
    }

    let name = "canopy_db_pool_wait_seconds";
    write_header(out, name, "histogram", "Time spent waiting to take a connection from the database pool.")?;
    let (count, buckets) = pool_wait_buckets(pool);
    write_histogram(out, name, &[], count, pool.wait_seconds_sum, &buckets)
}

/// The pool's wait histogram made valid whatever the store reports (its counters are read without one lock, so
/// they can be slightly out of step): bounds finite and strictly ascending, counts never decreasing, and `+Inf` (the
/// returned count) at least the last bucket.
fn pool_wait_buckets(pool: &PoolSnapshot) -> (u64, Vec<(f64, u64)>) {
    let mut buckets = Vec::with_capacity(pool.wait_buckets.len());
    let mut previous = f64::NEG_INFINITY;
    let mut cumulative = 0u64;
    for &(bound, count) in &pool.wait_buckets {
        if !bound.is_finite() || bound <= previous {
            continue;
        }
        previous = bound;
        cumulative = cumulative.max(count);
        buckets.push((bound, cumulative));
    }
    (pool.waits.max(cumulative), buckets)
}

fn write_header(out: &mut String, name: &str, kind: &str, help: &str) -> fmt::Result {
    writeln!(out, "# HELP {name} {}", escape_help(help))?;
    writeln!(out, "# TYPE {name} {kind}")
}

fn write_histogram(
    out: &mut String,
    name: &str,
    labels: &[(&str, &str)],
    count: u64,
    sum: f64,
    buckets: &[(f64, u64)],
) -> fmt::Result {
    let bucket = format!("{name}_bucket");
    for (bound, cumulative) in buckets {
        write_sample(out, &bucket, labels, Some(&format_float(*bound)), cumulative)?;
    }
    write_sample(out, &bucket, labels, Some("+Inf"), count)?;
    write_sample(out, &format!("{name}_sum"), labels, None, format_float(sum))?;
    write_sample(out, &format!("{name}_count"), labels, None, count)
}

/// One line: `name{label="value",...,le="bound"} value`.
fn write_sample(
    out: &mut String,
    name: &str,
    labels: &[(&str, &str)],
    le: Option<&str>,
    value: impl fmt::Display,
) -> fmt::Result {
    out.push_str(name);
    let le = le.map(|bound| ("le", bound));
    let mut labels = labels.iter().copied().chain(le).peekable();
    if labels.peek().is_some() {
        out.push('{');
        for (index, (label, value)) in labels.enumerate() {
            if index > 0 {
                out.push(',');
            }
            write!(out, "{label}=\"{}\"", escape_label_value(value))?;
        }
        out.push('}');
    }
    writeln!(out, " {value}")
}

/// A label value as the format requires: backslash, double quote and line feed escaped.
fn escape_label_value(value: &str) -> std::borrow::Cow<'_, str> {
    if !value.contains(['\\', '"', '\n']) {
        return value.into();
    }
    let mut escaped = String::with_capacity(value.len() + 8);
    for c in value.chars() {
        match c {
            '\\' => escaped.push_str("\\\\"),
            '"' => escaped.push_str("\\\""),
            '\n' => escaped.push_str("\\n"),
            c => escaped.push(c),
        }
    }
    escaped.into()
}

/// HELP text as the format requires: backslash and line feed escaped (double quotes are left alone).
fn escape_help(help: &str) -> String {
    help.replace('\\', "\\\\").replace('\n', "\\n")
}

/// A float as Prometheus clients write it: `0.005`, `1`, `+Inf`, `-Inf`, `NaN` (Rust's `Display` never uses an
/// exponent, which the format's parsers accept).
fn format_float(value: f64) -> String {
    if value.is_nan() {
        "NaN".to_owned()
    } else if value == f64::INFINITY {
        "+Inf".to_owned()
    } else if value == f64::NEG_INFINITY {
        "-Inf".to_owned()
    } else {
        value.to_string()
    }
}

/// Locks are held only for map look-ups and inserts that cannot panic halfway, so a poisoned lock's data is sound.
fn read<T>(lock: &RwLock<T>) -> RwLockReadGuard<'_, T> {
    lock.read().unwrap_or_else(|poisoned| poisoned.into_inner())
}

fn write<T>(lock: &RwLock<T>) -> RwLockWriteGuard<'_, T> {
    lock.write().unwrap_or_else(|poisoned| poisoned.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;

    const FAMILIES: &[(&str, &str)] = &[
        ("canopy_http_requests_total", "counter"),
        ("canopy_http_request_duration_seconds", "histogram"),
        ("canopy_db_statements_per_request", "histogram"),
        ("canopy_db_pool_max_connections", "gauge"),
        ("canopy_db_pool_connections", "gauge"),
        ("canopy_db_pool_connections_in_use", "gauge"),
        ("canopy_db_pool_connections_idle", "gauge"),
        ("canopy_db_pool_wait_seconds", "histogram"),
    ];

    fn ms(millis: u64) -> Duration {
        Duration::from_millis(millis)
    }

    /// `(series with labels, value)` for every sample line.
    fn samples(text: &str) -> Vec<(&str, &str)> {
        text.lines()
            .filter(|line| !line.starts_with('#'))
            .map(|line| line.rsplit_once(' ').expect("a sample line has a value"))
            .collect()
    }

    fn value(text: &str, series: &str) -> String {
        let found: Vec<_> = samples(text).into_iter().filter(|(s, _)| *s == series).map(|(_, v)| v).collect();
        assert_eq!(found.len(), 1, "{series} should appear exactly once in:\n{text}");
        found[0].to_owned()
    }

    /// Every family has HELP and TYPE exactly once, before its samples, and every sample belongs to one of them.
    fn assert_well_formed(text: &str) {
        assert!(text.ends_with('\n'));
        for (family, kind) in FAMILIES {
            let help = text.lines().filter(|l| l.starts_with(&format!("# HELP {family} "))).count();
            let types: Vec<_> = text.lines().filter(|l| l.starts_with(&format!("# TYPE {family} "))).collect();
            assert_eq!(help, 1, "HELP of {family}");
            assert_eq!(types, [format!("# TYPE {family} {kind}")], "TYPE of {family}");
        }
        assert_eq!(text.lines().filter(|l| l.starts_with('#')).count(), FAMILIES.len() * 2);
        let mut current: Option<(&str, &str)> = None;
        for line in text.lines() {
            if let Some(rest) = line.strip_prefix("# TYPE ") {
                let (family, kind) = rest.split_once(' ').expect("TYPE has a kind");
                current = Some((family, kind));
                continue;
            }
            if line.starts_with('#') {
                continue;
            }
            let (family, kind) = current.expect("a sample follows a TYPE line");
            let name = line.split(['{', ' ']).next().expect("a sample has a name");
            let allowed = if kind == "histogram" {
                [format!("{family}_bucket"), format!("{family}_sum"), format!("{family}_count")].contains(&name.into())
            } else {
                name == family
            };
            assert!(allowed, "{name} under family {family}");
        }
    }

    /// For every histogram series: buckets never decrease, end with `+Inf`, and `+Inf` equals `_count`.
    fn assert_histograms_consistent(text: &str, family: &str) -> usize {
        let bucket_prefix = format!("{family}_bucket");
        let mut series: BTreeMap<String, Vec<(String, u64)>> = BTreeMap::new();
        for (name, value) in samples(text) {
            if let Some(labels) = name.strip_prefix(&bucket_prefix) {
                let (rest, le) = labels.rsplit_once("le=\"").expect("a bucket has le");
                let le = le.trim_end_matches("\"}").to_owned();
                let key = rest.trim_end_matches(',').trim_start_matches('{').to_owned();
                series.entry(key).or_default().push((le, value.parse().expect("bucket counts are integers")));
            }
        }
        for (labels, buckets) in &series {
            assert!(buckets.windows(2).all(|pair| pair[0].1 <= pair[1].1), "{family}{{{labels}}}: {buckets:?}");
            let bounds: Vec<f64> = buckets
                .iter()
                .map(|(le, _)| if le == "+Inf" { f64::INFINITY } else { le.parse().expect("le") })
                .collect();
            assert!(bounds.windows(2).all(|pair| pair[0] < pair[1]), "{family}{{{labels}}} bounds: {bounds:?}");
            let (last_le, last) = buckets.last().expect("at least the +Inf bucket");
            assert_eq!(last_le, "+Inf");
            let braces = if labels.is_empty() { String::new() } else { format!("{{{labels}}}") };
            assert_eq!(value(text, &format!("{family}_count{braces}")), last.to_string(), "{family}{braces}");
        }
        series.len()
    }

    fn pool() -> PoolSnapshot {
        PoolSnapshot {
            max_connections: 10,
            connections: 4,
            idle_connections: 1,
            waits: 7,
            wait_seconds_sum: 0.0125,
            wait_buckets: vec![(0.001, 3), (0.01, 6), (0.1, 7)],
        }
    }

    #[test]
    fn recording_then_rendering() {
        let metrics = Metrics::new();
        metrics.record_request("ListCustomers", 200, ms(3), 2);
        metrics.record_request("ListCustomers", 200, ms(20), 5);
        metrics.record_request("ListCustomers", 404, ms(1), 0);
        metrics.record_request("health", 200, Duration::from_micros(100), 1);
        metrics.record_request("ListCustomers", 500, Duration::from_secs(30), 60);
        let text = metrics.render(&pool());
        assert_well_formed(&text);

        let requests: Vec<_> =
            text.lines().filter(|l| l.starts_with("canopy_http_requests_total")).map(str::to_owned).collect();
        assert_eq!(
            requests,
            [
                "canopy_http_requests_total{operation=\"ListCustomers\",status=\"200\"} 2",
                "canopy_http_requests_total{operation=\"ListCustomers\",status=\"404\"} 1",
                "canopy_http_requests_total{operation=\"ListCustomers\",status=\"500\"} 1",
                "canopy_http_requests_total{operation=\"health\",status=\"200\"} 1",
            ]
        );

        let d = "canopy_http_request_duration_seconds";
        let customers = "operation=\"ListCustomers\"";
        assert_eq!(value(&text, &format!("{d}_bucket{{{customers},le=\"0.0005\"}}")), "0");
        assert_eq!(value(&text, &format!("{d}_bucket{{{customers},le=\"0.001\"}}")), "1");
        assert_eq!(value(&text, &format!("{d}_bucket{{{customers},le=\"0.005\"}}")), "2");
        assert_eq!(value(&text, &format!("{d}_bucket{{{customers},le=\"0.025\"}}")), "3");
        assert_eq!(value(&text, &format!("{d}_bucket{{{customers},le=\"10\"}}")), "3");
        assert_eq!(value(&text, &format!("{d}_bucket{{{customers},le=\"+Inf\"}}")), "4");
        assert_eq!(value(&text, &format!("{d}_count{{{customers}}}")), "4");
        let sum: f64 = value(&text, &format!("{d}_sum{{{customers}}}")).parse().expect("sum is a float");
        assert!((sum - 30.024).abs() < 1e-9, "{sum}");
        assert_eq!(value(&text, &format!("{d}_bucket{{operation=\"health\",le=\"0.0005\"}}")), "1");
        // Bounds are written as clients write them.
        for le in ["0.0005", "0.0025", "0.1", "1", "2.5", "10"] {
            assert!(text.contains(&format!("{d}_bucket{{{customers},le=\"{le}\"}}")), "le={le}");
        }

        let s = "canopy_db_statements_per_request";
        assert_eq!(value(&text, &format!("{s}_bucket{{{customers},le=\"1\"}}")), "1");
        assert_eq!(value(&text, &format!("{s}_bucket{{{customers},le=\"2\"}}")), "2");
        assert_eq!(value(&text, &format!("{s}_bucket{{{customers},le=\"5\"}}")), "3");
        assert_eq!(value(&text, &format!("{s}_bucket{{{customers},le=\"55\"}}")), "3");
        assert_eq!(value(&text, &format!("{s}_bucket{{{customers},le=\"+Inf\"}}")), "4");
        assert_eq!(value(&text, &format!("{s}_sum{{{customers}}}")), "67");

        assert_eq!(assert_histograms_consistent(&text, d), 2);
        assert_eq!(assert_histograms_consistent(&text, s), 2);
        assert_eq!(assert_histograms_consistent(&text, "canopy_db_pool_wait_seconds"), 1);

        // Series are sorted by labels: ListCustomers before health (byte order), buckets by bound.
        let first_customers = text.find(&format!("{d}_bucket{{{customers}")).expect("customers");
        let first_health = text.find(&format!("{d}_bucket{{operation=\"health\"")).expect("health");
        assert!(first_customers < first_health);
        assert_eq!(text, metrics.render(&pool()), "rendering is deterministic");
    }

    #[test]
    fn pool_gauges_and_wait_histogram() {
        let text = Metrics::new().render(&pool());
        assert_eq!(value(&text, "canopy_db_pool_max_connections"), "10");
        assert_eq!(value(&text, "canopy_db_pool_connections"), "4");
        assert_eq!(value(&text, "canopy_db_pool_connections_in_use"), "3");
        assert_eq!(value(&text, "canopy_db_pool_connections_idle"), "1");
        let w = "canopy_db_pool_wait_seconds";
        assert_eq!(value(&text, &format!("{w}_bucket{{le=\"0.001\"}}")), "3");
        assert_eq!(value(&text, &format!("{w}_bucket{{le=\"0.01\"}}")), "6");
        assert_eq!(value(&text, &format!("{w}_bucket{{le=\"0.1\"}}")), "7");
        assert_eq!(value(&text, &format!("{w}_bucket{{le=\"+Inf\"}}")), "7");
        assert_eq!(value(&text, &format!("{w}_sum")), "0.0125");
        assert_eq!(value(&text, &format!("{w}_count")), "7");
    }

    #[test]
    fn an_inconsistent_pool_snapshot_still_renders_a_valid_histogram() {
        let snapshot = PoolSnapshot {
            idle_connections: 5,
            connections: 2,
            waits: 4,
            wait_buckets: vec![(0.001, 3), (0.01, 2), (0.01, 9), (f64::INFINITY, 9), (0.1, 6), (f64::NAN, 1)],
            ..PoolSnapshot::default()
        };
        let text = Metrics::new().render(&snapshot);
        assert_well_formed(&text);
        assert_eq!(value(&text, "canopy_db_pool_connections_in_use"), "0");
        assert_eq!(assert_histograms_consistent(&text, "canopy_db_pool_wait_seconds"), 1);
        assert_eq!(value(&text, "canopy_db_pool_wait_seconds_bucket{le=\"0.01\"}"), "3");
        assert_eq!(value(&text, "canopy_db_pool_wait_seconds_bucket{le=\"0.1\"}"), "6");
        assert_eq!(value(&text, "canopy_db_pool_wait_seconds_count"), "6");
    }

    #[test]
    fn an_empty_registry_renders_every_family_once() {
        let text = Metrics::default().render(&PoolSnapshot::default());
        assert_well_formed(&text);
        assert!(!text.contains("operation="));
        assert_eq!(value(&text, "canopy_db_pool_wait_seconds_bucket{le=\"+Inf\"}"), "0");
        assert_eq!(value(&text, "canopy_db_pool_wait_seconds_sum"), "0");
        assert_eq!(value(&text, "canopy_db_pool_wait_seconds_count"), "0");
    }

    #[test]
    fn label_values_are_escaped() {
        assert_eq!(escape_label_value("plain"), "plain");
        assert_eq!(escape_label_value("a\"b\\c\nd"), "a\\\"b\\\\c\\nd");
        assert_eq!(escape_help("a\\b\nc \"d\""), "a\\\\b\\nc \"d\"");

        let metrics = Metrics::new();
        metrics.record_request("we\"ird\\op\nname", 200, ms(1), 1);
        let text = metrics.render(&PoolSnapshot::default());
        assert_well_formed(&text);
        assert!(
            text.contains("canopy_http_requests_total{operation=\"we\\\"ird\\\\op\\nname\",status=\"200\"} 1\n"),
            "{text}"
        );
        assert!(text.contains("canopy_db_statements_per_request_count{operation=\"we\\\"ird\\\\op\\nname\"} 1\n"));
        // No raw newline leaked into a sample line.
        assert!(text.lines().all(|l| l.starts_with('#') || l.starts_with("canopy_")));
    }

    #[test]
    fn floats_are_written_as_clients_write_them() {
        assert_eq!(format_float(0.005), "0.005");
        assert_eq!(format_float(1.0), "1");
        assert_eq!(format_float(2.5), "2.5");
        assert_eq!(format_float(0.0), "0");
        assert_eq!(format_float(f64::INFINITY), "+Inf");
        assert_eq!(format_float(f64::NEG_INFINITY), "-Inf");
        assert_eq!(format_float(f64::NAN), "NaN");
        assert_eq!(format_float(1e-7), "0.0000001");
    }

    #[test]
    fn operations_beyond_the_cap_fold_into_other() {
        let metrics = Metrics::new();
        for i in 0..100 {
            metrics.record_request(&format!("Op{i:03}"), 200, ms(1), 1);
        }
        // Names seen before the cap keep their own series; unseen ones keep folding.
        metrics.record_request("Op000", 200, ms(1), 1);
        metrics.record_request("Op063", 200, ms(1), 1);
        metrics.record_request("Op064", 200, ms(1), 1);
        metrics.record_request("Brand new", 500, ms(1), 1);
        let text = metrics.render(&PoolSnapshot::default());
        assert_well_formed(&text);

        let operations: Vec<_> = samples(&text)
            .into_iter()
            .filter_map(|(series, _)| series.strip_prefix("canopy_http_requests_total{operation=\""))
            .map(|rest| rest.split('"').next().expect("a label value"))
            .collect();
        let distinct: std::collections::BTreeSet<_> = operations.iter().copied().collect();
        assert_eq!(distinct.len(), MAX_OPERATIONS + 1);
        assert!(distinct.contains(OTHER));
        assert!(distinct.contains("Op063") && !distinct.contains("Op064") && !distinct.contains("Brand new"));

        let t = "canopy_http_requests_total";
        assert_eq!(value(&text, &format!("{t}{{operation=\"Op000\",status=\"200\"}}")), "2");
        assert_eq!(value(&text, &format!("{t}{{operation=\"Op063\",status=\"200\"}}")), "2");
        assert_eq!(value(&text, &format!("{t}{{operation=\"other\",status=\"200\"}}")), "37");
        assert_eq!(value(&text, &format!("{t}{{operation=\"other\",status=\"500\"}}")), "1");
        assert_eq!(value(&text, "canopy_http_request_duration_seconds_count{operation=\"other\"}"), "38");
        assert_eq!(assert_histograms_consistent(&text, "canopy_http_request_duration_seconds"), MAX_OPERATIONS + 1);
    }

    #[test]
    fn a_literal_other_operation_shares_the_folded_series() {
        let metrics = Metrics::new();
        metrics.record_request(OTHER, 200, ms(1), 1);
        for i in 0..80 {
            metrics.record_request(&format!("Op{i:03}"), 200, ms(1), 1);
        }
        let text = metrics.render(&PoolSnapshot::default());
        assert_well_formed(&text);
        // "other" took one of the 64 places, so Op000..=Op062 have their own series and 17 requests folded.
        assert_eq!(value(&text, "canopy_http_requests_total{operation=\"other\",status=\"200\"}"), "18");
        assert!(text.contains("operation=\"Op062\"") && !text.contains("operation=\"Op063\""));
        assert_eq!(assert_histograms_consistent(&text, "canopy_http_request_duration_seconds"), MAX_OPERATIONS);
    }

    #[test]
    fn concurrent_recording_loses_nothing() {
        let metrics = Arc::new(Metrics::new());
        std::thread::scope(|scope| {
            for thread in 0..8u64 {
                let metrics = Arc::clone(&metrics);
                scope.spawn(move || {
                    for i in 0..10_000u64 {
                        let operation = ["ListCustomers", "GetCustomer", "health"][((thread + i) % 3) as usize];
                        let status = [200, 404][(i % 2) as usize];
                        metrics.record_request(operation, status, Duration::from_micros(i % 2000), i % 7);
                    }
                });
            }
        });
        let text = metrics.render(&PoolSnapshot::default());
        assert_well_formed(&text);
        let total = |prefix: &str| -> u64 {
            samples(&text)
                .into_iter()
                .filter(|(series, _)| series.starts_with(prefix))
                .map(|(_, value)| value.parse::<u64>().expect("an integer"))
                .sum()
        };
        assert_eq!(total("canopy_http_requests_total{"), 80_000);
        assert_eq!(total("canopy_http_request_duration_seconds_count{"), 80_000);
        assert_eq!(total("canopy_http_request_duration_seconds_bucket{operation=\"health\",le=\"+Inf\"}"), 26_666);
        assert_eq!(total("canopy_db_statements_per_request_count{"), 80_000);
        assert_eq!(assert_histograms_consistent(&text, "canopy_http_request_duration_seconds"), 3);
        assert_eq!(assert_histograms_consistent(&text, "canopy_db_statements_per_request"), 3);
    }

    #[test]
    fn histogram_buckets_are_inclusive_and_concurrent_observations_add_up() {
        let histogram = Histogram::new(&[1.0, 2.0]);
        for value in [0.5, 1.0, 1.5, 2.0, 3.0, f64::NAN, -1.0] {
            histogram.observe(value);
        }
        assert_eq!(histogram.snapshot(), (6, 7.0, vec![(1.0, 3), (2.0, 5)]));

        let histogram = Histogram::new(LATENCY_BUCKETS);
        std::thread::scope(|scope| {
            for _ in 0..8 {
                scope.spawn(|| {
                    for i in 0..10_000 {
                        histogram.observe(if i % 2 == 0 { 0.25 } else { 20.0 });
                    }
                });
            }
        });
        let (count, sum, buckets) = histogram.snapshot();
        assert_eq!(count, 80_000);
        assert_eq!(sum, 40_000.0 * 0.25 + 40_000.0 * 20.0);
        assert_eq!(buckets.len(), LATENCY_BUCKETS.len());
        assert_eq!(buckets.iter().find(|(bound, _)| *bound == 0.25), Some(&(0.25, 40_000)));
        assert_eq!(buckets.last(), Some(&(10.0, 40_000)));
    }

    #[test]
    #[should_panic(expected = "strictly ascending")]
    fn histogram_bounds_must_ascend() {
        let _ = Histogram::new(&[1.0, 1.0]);
    }
}
