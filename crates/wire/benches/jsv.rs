//! JSV against serde_json on a realistic response page: 25 customers with data, tags and a schedule.

use std::collections::BTreeMap;
use std::hint::black_box;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use serde::{Deserialize, Serialize};

#[derive(Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Value {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    string_value: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    number_value: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    bool_value: Option<bool>,
}

#[derive(Clone, Serialize, Deserialize)]
struct Tag {
    id: String,
    name: String,
    color: String,
}

#[derive(Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Rule {
    id: String,
    priority: i32,
    by_day: Vec<String>,
    start_time: String,
    end_time: String,
}

#[derive(Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Customer {
    id: String,
    account_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    parent_customer_id: Option<String>,
    is_staging: bool,
    name: String,
    data: BTreeMap<String, Value>,
    tags: Vec<Tag>,
    rules: Vec<Rule>,
    date_created: String,
}

#[derive(Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Page {
    items: Vec<Customer>,
    total_count: u64,
    total_pages: u32,
}

fn page() -> Page {
    let items = (0..25)
        .map(|i| {
            let mut data = BTreeMap::new();
            data.insert(
                "Tier".to_owned(),
                Value { string_value: Some(format!("Gold {i}")), number_value: None, bool_value: None },
            );
            data.insert(
                "Seats".to_owned(),
                Value { string_value: None, number_value: Some(f64::from(i) * 1.5), bool_value: None },
            );
            data.insert(
                "Notes".to_owned(),
                Value {
                    string_value: Some("Call after 5pm, ask for \"Sam\"".into()),
                    number_value: None,
                    bool_value: None,
                },
            );
            data.insert(
                "Active".to_owned(),
                Value { string_value: None, number_value: None, bool_value: Some(i % 2 == 0) },
            );
            Customer {
                id: format!("cus_{i:08}"),
                account_id: "acc_00000001".into(),
                parent_customer_id: (i % 3 != 0).then(|| "cus_00000000".into()),
                is_staging: false,
                name: format!("Customer number {i}, Inc."),
                data,
                tags: vec![
                    Tag { id: "t1".into(), name: "VIP".into(), color: "Gold".into() },
                    Tag { id: "t2".into(), name: "West: Region".into(), color: "Blue".into() },
                ],
                rules: vec![Rule {
                    id: "r1".into(),
                    priority: 1,
                    by_day: vec!["Monday".into(), "Tuesday".into(), "Friday".into()],
                    start_time: "09:00".into(),
                    end_time: "17:30".into(),
                }],
                date_created: "2024-01-02T03:04:05Z".into(),
            }
        })
        .collect();
    Page { items, total_count: 25, total_pages: 1 }
}

fn bench(c: &mut Criterion) {
    let page = page();
    let jsv_text = canopy_wire::jsv::to_string(&page).expect("writes JSV");
    let json_text = serde_json::to_string(&page).expect("writes JSON");

    let mut group = c.benchmark_group("page_of_25");
    group.throughput(Throughput::Elements(25));
    group.bench_function("jsv_write", |b| b.iter(|| canopy_wire::jsv::to_string(black_box(&page))));
    group.bench_function("json_write", |b| b.iter(|| serde_json::to_string(black_box(&page))));
    group.bench_function("jsv_read", |b| b.iter(|| canopy_wire::jsv::from_str::<Page>(black_box(&jsv_text))));
    group.bench_function("json_read", |b| b.iter(|| serde_json::from_str::<Page>(black_box(&json_text))));
    group.bench_function("json_read_case_insensitive", |b| {
        b.iter(|| canopy_wire::json::from_str::<Page>(black_box(&json_text)))
    });
    group.bench_function("csv_write_items", |b| b.iter(|| canopy_wire::csv::to_string(black_box(&page.items))));
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
