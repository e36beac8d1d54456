//! Listing a page of 25 out of 100,000 synthetic customers (trees up to 9 deep), through the store, with the
//! statements each page costs. `cargo bench -p canopy-benches --bench list_page`.

use canopy_domain::listing::{CustomerSortField, Paging, SortOrder};
use canopy_store::{CustomerFilter, CustomerQuery};
use criterion::{criterion_group, criterion_main, Criterion};

const CUSTOMERS: usize = 100_000;

/// Every customer matching `filter`, in ascending `sort`, the slice `paging` names.
fn query(filter: CustomerFilter, sort: CustomerSortField, paging: Paging) -> CustomerQuery {
    CustomerQuery { filter, sort, paging, ..CustomerQuery::everything() }
}

fn list_page(c: &mut Criterion) {
    let store = canopy_benches::synthetic_store(CUSTOMERS);
    let page = |n| Paging::Page { page: n, count_per_page: 25, simplified: false };
    let newest_first = CustomerQuery {
        order: SortOrder::Descend,
        ..query(CustomerFilter::default(), CustomerSortField::DateCreated, page(0))
    };
    let deepest = store.list_customers(&newest_first).expect("lists");
    let deep_root = deepest.items.iter().find_map(|c| c.breadcrumb.first().map(|b| b.id.clone())).unwrap_or_default();
    let cases: Vec<(&str, CustomerQuery)> = vec![
        ("first page by name", query(CustomerFilter::default(), CustomerSortField::Name, page(0))),
        ("page 2000 by name", query(CustomerFilter::default(), CustomerSortField::Name, page(2000))),
        (
            "first page by referenceId, simplified",
            query(
                CustomerFilter::default(),
                CustomerSortField::ReferenceId,
                Paging::Page { page: 0, count_per_page: 25, simplified: true },
            ),
        ),
        (
            "descendants of a deep tree's root",
            query(
                CustomerFilter { parent_customer_ids: vec![deep_root], ..Default::default() },
                CustomerSortField::Name,
                page(0),
            ),
        ),
        (
            "name filter and two tags",
            query(
                CustomerFilter {
                    name_filter: Some("dental".into()),
                    tag_ids: vec!["tag-1".into(), "tag-2".into()],
                    ..Default::default()
                },
                CustomerSortField::Name,
                page(0),
            ),
        ),
    ];
    let mut group = c.benchmark_group("list 25 of 100k");
    for (name, query) in cases {
        let before = store.statements_executed();
        let result = store.list_customers(&query).expect("lists");
        let statements = store.statements_executed() - before;
        let depth = result.items.iter().map(|c| c.breadcrumb.len()).max().unwrap_or(0);
        eprintln!("{name}: {statements} statements, {} items, deepest breadcrumb {depth}", result.items.len());
        group.bench_function(name, |b| b.iter(|| store.list_customers(&query).expect("lists")));
    }
    // A page with every customer's effective values: the page, plus its ancestors and accounts, in one pass.
    let first_page = query(CustomerFilter::default(), CustomerSortField::Name, page(0));
    let admin = canopy_domain::access::Caller {
        user_id: "bench".into(),
        user_name: "bench".into(),
        roles: vec![canopy_domain::Role::SystemAdministrator],
        manager_access: canopy_domain::ManagerAccess::ReadOnly,
        managed_accounts: Vec::new(),
        linked_customers: Vec::new(),
        linked_accounts: Vec::new(),
    };
    group.bench_function("first page by name, with effective values", |b| {
        b.iter(|| {
            let result = store.list_customers(&first_page).expect("lists");
            let (ancestors, accounts) = store.inheritance_context(&result.items).expect("context");
            canopy_server::handlers::inheritance::with_effective(&admin, result.items, ancestors, &accounts)
                .expect("resolves")
        })
    });
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(20);
    targets = list_page
}
criterion_main!(benches);
