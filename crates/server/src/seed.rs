//! Loading data: hand-written fixtures (`fixtures/demo`) and large synthetic hierarchies for benchmarks.

use std::path::Path;

use canopy_domain::{
    hierarchy::child_path, patch::CustomerChanges, AppSettings, BillingItem, BillingSettings, CustomerDataField,
    DataFieldUniqueness, IntegrationData, Schedule, ScheduleDay, SchedulingRule, SchedulingRuleFrequency,
    SimpleSchedulingRuleType, Struct, Tag, TagColor, Value, ValueType,
};
use canopy_store::{Actor, ImportCustomer, NewAccount, Store, StoreError, SystemSettingsChanges};
use rand::{rngs::StdRng, Rng, SeedableRng};
use serde::Deserialize;

/// A fixture file: accounts (parents before children), each with its catalogue and its customer tree.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Fixture {
    pub accounts: Vec<FixtureAccount>,
    /// Demo logins. Their passwords sit in the fixture in the clear: fixtures are for demos and tests only.
    #[serde(default)]
    pub users: Vec<FixtureUser>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct FixtureUser {
    pub user_name: String,
    pub password: String,
    #[serde(default)]
    pub display_name: Option<String>,
    #[serde(default)]
    pub email: Option<String>,
    pub roles: Vec<canopy_domain::Role>,
    #[serde(default)]
    pub account_ids: Vec<String>,
    #[serde(default)]
    pub customer_ids: Vec<String>,
    #[serde(default)]
    pub manager_access: canopy_domain::ManagerAccess,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct FixtureAccount {
    pub id: String,
    pub name: String,
    #[serde(default)]
    pub parent_account_id: Option<String>,
    #[serde(default)]
    pub billing_settings: Option<BillingSettings>,
    #[serde(default)]
    pub tags: Vec<Tag>,
    #[serde(default)]
    pub customer_fields: Vec<CustomerDataField>,
    #[serde(default)]
    pub customers: Vec<FixtureCustomer>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct FixtureCustomer {
    pub id: String,
    pub name: String,
    #[serde(default)]
    pub reference_id: Option<String>,
    #[serde(default)]
    pub is_staging: Option<bool>,
    #[serde(default)]
    pub data: Option<Struct>,
    #[serde(default)]
    pub tag_ids: Option<Vec<String>>,
    #[serde(default)]
    pub schedule: Option<Schedule>,
    #[serde(default)]
    pub override_billing_settings: Option<bool>,
    #[serde(default)]
    pub billing_settings: Option<BillingSettings>,
    #[serde(default)]
    pub override_app_settings: Option<bool>,
    #[serde(default)]
    pub app_settings: Option<AppSettings>,
    #[serde(default)]
    pub integration_data: Option<IntegrationData>,
    #[serde(default)]
    pub children: Vec<FixtureCustomer>,
}

#[derive(Debug, thiserror::Error)]
pub enum SeedError {
    #[error("cannot read fixture {path}: {cause}")]
    Read { path: String, cause: String },
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("{0}")]
    Password(String),
}

/// Reads a fixture: a `.json` file, or a directory holding `fixture.json`.
pub fn read_fixture(path: &Path) -> Result<Fixture, SeedError> {
    let file = if path.is_dir() { path.join("fixture.json") } else { path.to_path_buf() };
    let text = std::fs::read_to_string(&file)
        .map_err(|e| SeedError::Read { path: file.display().to_string(), cause: e.to_string() })?;
    serde_json::from_str(&text).map_err(|e| SeedError::Read { path: file.display().to_string(), cause: e.to_string() })
}

/// Loads a fixture through the same validated writes the API uses. Returns how many customers it created.
pub fn load_fixture(store: &Store, fixture: &Fixture, actor: &Actor) -> Result<usize, SeedError> {
    let mut created = 0;
    for account in &fixture.accounts {
        store.create_account(
            NewAccount {
                id: Some(account.id.clone()),
                name: account.name.clone(),
                parent_account_id: account.parent_account_id.clone(),
                billing_settings: account.billing_settings.clone(),
                details: Default::default(),
            },
            actor,
            None,
        )?;
        store.patch_system_settings(
            &account.id,
            &SystemSettingsChanges {
                tags: Some(account.tags.clone()),
                customer_fields: Some(account.customer_fields.clone()),
            },
            actor,
        )?;
        let mut pending: Vec<(Option<String>, &FixtureCustomer)> =
            account.customers.iter().map(|c| (None, c)).collect();
        while let Some((parent, customer)) = pending.pop() {
            store.create_customer(
                canopy_store::NewCustomer {
                    id: Some(customer.id.clone()),
                    account_id: account.id.clone(),
                    name: customer.name.clone(),
                    fields: CustomerChanges {
                        name: None,
                        parent_customer_id: parent,
                        reference_id: customer.reference_id.clone(),
                        data: customer.data.clone(),
                        tag_ids: customer.tag_ids.clone(),
                        schedule: customer.schedule.clone(),
                        override_billing_settings: customer.override_billing_settings,
                        billing_settings: customer.billing_settings.clone(),
                        override_app_settings: customer.override_app_settings,
                        app_settings: customer.app_settings.clone(),
                        integration_data: customer.integration_data.clone(),
                        is_staging: customer.is_staging,
                    },
                },
                actor,
                &canopy_domain::access::Reach::Everything,
                None,
            )?;
            created += 1;
            pending.extend(customer.children.iter().rev().map(|c| (Some(customer.id.clone()), c)));
        }
    }
    for user in &fixture.users {
        let password_hash =
            crate::auth::hash_password(&user.password).map_err(|e| SeedError::Password(e.to_string()))?;
        store.create_user(canopy_store::NewUser {
            user_name: user.user_name.clone(),
            email: user.email.clone(),
            display_name: user.display_name.clone(),
            password_hash,
            roles: user.roles.clone(),
            manager_access: user.manager_access,
            account_ids: user.account_ids.clone(),
            customer_ids: user.customer_ids.clone(),
        })?;
    }
    Ok(created)
}

/// The shape of a synthetic data set.
#[derive(Debug, Clone, Copy)]
pub struct SyntheticPlan {
    pub customers: usize,
    pub reseller_accounts: usize,
    /// Depth of the deepest customers (0 = top-level); at least 6 so that deep-tree costs show.
    pub max_depth: usize,
    pub seed: u64,
}

impl SyntheticPlan {
    pub fn new(customers: usize) -> Self {
        Self { customers, reseller_accounts: 4, max_depth: 9, seed: 7 }
    }
}

const COMPANY_WORDS: [&str; 16] = [
    "Acme",
    "Northwind",
    "Globex",
    "Initech",
    "Umbrella",
    "Hooli",
    "Vandelay",
    "Stark",
    "Wayne",
    "Tyrell",
    "Cyberdyne",
    "Soylent",
    "Wonka",
    "Gringotts",
    "Oscorp",
    "Aperture",
];
const COMPANY_KINDS: [&str; 8] =
    ["Dental", "Legal", "Logistics", "Clinic", "Realty", "Insurance", "Accounting", "Veterinary"];
const ZONES: [&str; 5] = ["Europe/Brussels", "America/New_York", "America/Los_Angeles", "Australia/Sydney", ""];

fn catalogue() -> (Vec<Tag>, Vec<CustomerDataField>) {
    let colors = [TagColor::Gold, TagColor::Blue, TagColor::Red, TagColor::Green, TagColor::Purple];
    let names = ["VIP", "Trial", "Churn risk", "Partner", "Enterprise"];
    let tags = names
        .iter()
        .zip(colors)
        .enumerate()
        .map(|(i, (name, color))| Tag { id: format!("tag-{i}"), name: (*name).into(), color })
        .collect();
    let fields = vec![
        CustomerDataField {
            name: "Tier".into(),
            value_type: ValueType::String,
            possible_values: Some(vec!["Gold".into(), "Silver".into(), "Bronze".into()]),
            ..CustomerDataField::default()
        },
        CustomerDataField { name: "Seats".into(), value_type: ValueType::Number, ..CustomerDataField::default() },
        CustomerDataField {
            name: "CrmId".into(),
            value_type: ValueType::String,
            uniqueness: DataFieldUniqueness::Unique,
            ..CustomerDataField::default()
        },
    ];
    (tags, fields)
}

fn prices(rng: &mut StdRng) -> BillingSettings {
    let mut item = || {
        Some(BillingItem {
            base_cost: f64::from(rng.random_range(0..50u32)),
            raw_unit_multiplier: 1.0,
            unit_cost: f64::from(rng.random_range(1..100u32)) / 100.0,
            allowance: rng.random_range(0..1000),
        })
    };
    BillingSettings {
        base: item(),
        local_numbers: item(),
        toll_free_numbers: item(),
        inbound_voice_calls: item(),
        outbound_voice_calls: item(),
        inbound_faxes: item(),
        outbound_faxes: item(),
        inbound_sms_messages: item(),
        outbound_sms_messages: item(),
        ai_insights: item(),
        ai_live_minutes: item(),
        ai_messages: item(),
    }
}

fn business_hours(zone: &str) -> Schedule {
    let weekdays = [
        canopy_domain::DayOfWeek::Monday,
        canopy_domain::DayOfWeek::Tuesday,
        canopy_domain::DayOfWeek::Wednesday,
        canopy_domain::DayOfWeek::Thursday,
        canopy_domain::DayOfWeek::Friday,
    ];
    Schedule {
        time_zone_id: Some(zone.to_owned()),
        inherit: false,
        force_closed: false,
        default_state: Some("After Hours".into()),
        rules: Some(vec![SchedulingRule {
            id: Some("business-hours".into()),
            name: Some("Business Hours".into()),
            priority: 10,
            state: Some("Business Hours".into()),
            simple_rule_type: SimpleSchedulingRuleType::Time,
            start_date: Some("2024-01-01".into()),
            start_time: Some("08:30".into()),
            end_time: Some("17:30".into()),
            frequency: SchedulingRuleFrequency::Weekly,
            interval: 1,
            by_day: Some(weekdays.iter().map(|d| ScheduleDay { offset: 0, day_of_week: *d }).collect()),
            ..SchedulingRule::default()
        }]),
    }
}

/// Creates a platform account, reseller accounts under it, and `plan.customers` customers spread over them in
/// trees up to `plan.max_depth` deep, with tags, custom data, schedules and overrides at mixed levels.
pub fn seed_synthetic(store: &Store, plan: SyntheticPlan, actor: &Actor) -> Result<usize, SeedError> {
    let mut rng = StdRng::seed_from_u64(plan.seed);
    let (tags, fields) = catalogue();
    let platform = format!("platform-{}", plan.seed);
    store.create_account(
        NewAccount {
            id: Some(platform.clone()),
            name: "Synthetic Platform".into(),
            parent_account_id: None,
            billing_settings: Some(prices(&mut rng)),
            details: Default::default(),
        },
        actor,
        None,
    )?;
    let mut accounts = Vec::new();
    for r in 0..plan.reseller_accounts.max(1) {
        let id = format!("reseller-{}-{r}", plan.seed);
        store.create_account(
            NewAccount {
                id: Some(id.clone()),
                name: format!("Reseller {r}"),
                parent_account_id: Some(platform.clone()),
                billing_settings: if r % 2 == 0 { Some(prices(&mut rng)) } else { None },
                details: Default::default(),
            },
            actor,
            None,
        )?;
        store.patch_system_settings(
            &id,
            &SystemSettingsChanges { tags: Some(tags.clone()), customer_fields: Some(fields.clone()) },
            actor,
        )?;
        accounts.push(id);
    }
    // (id, path, depth) of every customer so far, per account, to pick parents from.
    let mut nodes: Vec<Vec<(String, String, usize)>> = vec![Vec::new(); accounts.len()];
    let mut batch = Vec::with_capacity(plan.customers);
    for n in 0..plan.customers {
        let a = n % accounts.len();
        let existing = &nodes[a];
        // Mostly extend recent nodes (deep chains, as reseller trees are), sometimes branch anywhere, sometimes
        // start a new top-level customer.
        let parent = match rng.random_range(0..100) {
            _ if existing.is_empty() => None,
            0..=7 => None,
            8..=69 => {
                let recent = existing.len().min(12);
                Some(&existing[existing.len() - 1 - rng.random_range(0..recent)])
            }
            _ => Some(&existing[rng.random_range(0..existing.len())]),
        }
        .filter(|(_, _, depth)| *depth < plan.max_depth)
        .cloned();
        let id = format!("c{}x{n:07}", plan.seed);
        let (path, depth, parent_id) = match parent {
            Some((pid, ppath, pdepth)) => (child_path(Some(&ppath), &id), pdepth + 1, Some(pid)),
            None => (child_path(None, &id), 0, None),
        };
        let mut data = Struct::new();
        data.insert("Tier".into(), Value::string(["Gold", "Silver", "Bronze"][rng.random_range(0..3)]));
        data.insert("Seats".into(), Value::number(f64::from(rng.random_range(1..500u32))));
        data.insert("CrmId".into(), Value::string(format!("crm-{n}")));
        let tag_ids: Vec<String> =
            tags.iter().filter(|_| rng.random_range(0..100) < 20).map(|t| t.id.clone()).collect();
        let overrides_billing = rng.random_range(0..100) < 15;
        let overrides_app = rng.random_range(0..100) < 10;
        let zone = ZONES[rng.random_range(0..ZONES.len())];
        let schedule = match rng.random_range(0..100) {
            0..=19 => Some(business_hours(zone)),
            20..=59 => Some(Schedule { inherit: true, ..Schedule::default() }),
            _ => None,
        };
        let name = format!(
            "{} {} {n}",
            COMPANY_WORDS[rng.random_range(0..COMPANY_WORDS.len())],
            COMPANY_KINDS[rng.random_range(0..COMPANY_KINDS.len())]
        );
        batch.push(ImportCustomer {
            id: id.clone(),
            account_id: accounts[a].clone(),
            parent_customer_id: parent_id,
            path: path.clone(),
            name,
            fields: CustomerChanges {
                reference_id: Some(format!("ext-{n}")),
                data: Some(data),
                tag_ids: Some(tag_ids),
                schedule,
                override_billing_settings: Some(overrides_billing),
                billing_settings: overrides_billing.then(|| prices(&mut rng)),
                override_app_settings: Some(overrides_app),
                app_settings: overrides_app.then(|| AppSettings {
                    enable_dialer: true,
                    page_title: Some(format!("Portal {n}")),
                    ..AppSettings::default()
                }),
                is_staging: Some(rng.random_range(0..100) < 5),
                ..CustomerChanges::default()
            },
        });
        nodes[a].push((id, path, depth));
    }
    Ok(store.import_customers(&batch, actor.user_id.as_deref())?)
}
