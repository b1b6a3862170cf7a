//! Item conversion, both ways: generated code vs hand-written aws-sdk-dynamodb code vs
//! serde_dynamo, on the same data in the same run. `cargo bench -p dynamongo-tests --bench conversion`
//! (see BENCHMARKS.md). The hand-written code is what a careful person writes against the SDK.

use std::collections::HashMap;
use std::hint::black_box;

use aws_sdk_dynamodb::types::AttributeValue;
use chrono::{DateTime, Utc};
use criterion::{criterion_group, Criterion};
use dynamongo_runtime::field::{Document, Item};
use dynamongo_tests::edge::wide::Wide;
use dynamongo_tests::models::user::User;
use serde::{Deserialize, Serialize};

const FORMAT: &str = "%Y-%m-%dT%H:%M:%S%.6f%z";

fn ts(secs: i64) -> DateTime<Utc> {
    DateTime::from_timestamp(secs, 123_456_000).unwrap_or_default()
}

/// The datetime format of dynamongo, for the hand-written and serde versions alike.
mod dt {
    use chrono::{DateTime, NaiveDateTime, Utc};
    use serde::{Deserialize, Deserializer, Serializer};
    pub fn serialize<S: Serializer>(v: &Option<DateTime<Utc>>, s: S) -> Result<S::Ok, S::Error> {
        match v {
            Some(t) => s.serialize_str(&t.format(super::FORMAT).to_string()),
            None => s.serialize_none(),
        }
    }
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<DateTime<Utc>>, D::Error> {
        let s: Option<String> = Option::deserialize(d)?;
        s.map(|s| {
            DateTime::parse_from_str(&s, super::FORMAT)
                .map(|t| t.with_timezone(&Utc))
                .or_else(|_| {
                    NaiveDateTime::parse_from_str(&s, "%Y-%m-%dT%H:%M:%S%.f").map(|t| t.and_utc())
                })
                .map_err(serde::de::Error::custom)
        })
        .transpose()
    }
}

fn s(v: &str) -> AttributeValue {
    AttributeValue::S(v.to_string())
}

fn get_s(item: &Item, k: &str) -> Option<String> {
    match item.get(k) {
        Some(AttributeValue::S(s)) => Some(s.clone()),
        _ => None,
    }
}

fn get_n<T: std::str::FromStr>(item: &Item, k: &str) -> Option<T> {
    match item.get(k) {
        Some(AttributeValue::N(n)) => n.parse().ok(),
        _ => None,
    }
}

fn get_dt(item: &Item, k: &str) -> Option<DateTime<Utc>> {
    get_s(item, k)
        .and_then(|s| DateTime::parse_from_str(&s, FORMAT).ok())
        .map(|t| t.with_timezone(&Utc))
}

// ---------- User ----------

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct SerdeUser {
    email: String,
    name: String,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    year_of_birth: Option<i64>,
    #[serde(default)]
    cities_visited: Vec<String>,
    #[serde(with = "dt", skip_serializing_if = "Option::is_none", default)]
    created_at: Option<DateTime<Utc>>,
}

fn user() -> User {
    let mut u = User::new("johndoe@gmail.com", "John Doe");
    u.year_of_birth = Some(1990);
    u.cities_visited = vec!["Nairobi".into(), "New York".into(), "Lagos".into()];
    u.created_at = ts(1_600_000_000);
    u
}

fn serde_user(u: &User) -> SerdeUser {
    SerdeUser {
        email: u.email.clone(),
        name: u.name.clone(),
        year_of_birth: u.year_of_birth,
        cities_visited: u.cities_visited.clone(),
        created_at: Some(u.created_at),
    }
}

fn hand_user_to_item(u: &User) -> Item {
    let mut item = HashMap::with_capacity(5);
    item.insert("email".to_string(), s(&u.email));
    item.insert("name".to_string(), s(&u.name));
    if let Some(y) = u.year_of_birth {
        item.insert(
            "year_of_birth".to_string(),
            AttributeValue::N(y.to_string()),
        );
    }
    item.insert(
        "cities_visited".to_string(),
        AttributeValue::L(u.cities_visited.iter().map(|c| s(c)).collect()),
    );
    item.insert(
        "created_at".to_string(),
        AttributeValue::S(u.created_at.format(FORMAT).to_string()),
    );
    item
}

fn hand_user_from_item(item: &Item) -> Option<User> {
    Some(User {
        email: get_s(item, "email")?,
        name: get_s(item, "name")?,
        year_of_birth: get_n(item, "year_of_birth"),
        cities_visited: match item.get("cities_visited") {
            Some(AttributeValue::L(l)) => l.iter().filter_map(|v| v.as_s().ok().cloned()).collect(),
            _ => Vec::new(),
        },
        created_at: get_dt(item, "created_at").unwrap_or_else(Utc::now),
    })
}

// ---------- Wide (30 fields) ----------

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct SerdeWide {
    id: String,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    f00_int: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    f01_float: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    f02_boolean: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    f03_string: Option<String>,
    #[serde(with = "dt", skip_serializing_if = "Option::is_none", default)]
    f04_datetime: Option<DateTime<Utc>>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    f05_int: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    f06_string: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    f07_float: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    f08_string: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    f09_boolean: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    f10_int: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    f11_float: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    f12_boolean: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    f13_string: Option<String>,
    #[serde(with = "dt", skip_serializing_if = "Option::is_none", default)]
    f14_datetime: Option<DateTime<Utc>>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    f15_int: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    f16_string: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    f17_float: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    f18_string: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    f19_boolean: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    f20_int: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    f21_float: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    f22_boolean: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    f23_string: Option<String>,
    #[serde(with = "dt", skip_serializing_if = "Option::is_none", default)]
    f24_datetime: Option<DateTime<Utc>>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    f25_int: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    f26_string: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    f27_float: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    f28_string: Option<String>,
}

fn wide() -> Wide {
    let mut w = Wide::new("wide-1");
    w.f00_int = Some(0);
    w.f01_float = Some(1.25);
    w.f02_boolean = Some(false);
    w.f03_string = Some("value of f03_string with some text".to_string());
    w.f04_datetime = Some(ts(1600000004));
    w.f05_int = Some(35);
    w.f06_string = Some("value of f06_string with some text".to_string());
    w.f07_float = Some(7.25);
    w.f08_string = Some("value of f08_string with some text".to_string());
    w.f09_boolean = Some(true);
    w.f10_int = Some(70);
    w.f11_float = Some(11.25);
    w.f12_boolean = Some(false);
    w.f13_string = Some("value of f13_string with some text".to_string());
    w.f14_datetime = Some(ts(1600000014));
    w.f15_int = Some(105);
    w.f16_string = Some("value of f16_string with some text".to_string());
    w.f17_float = Some(17.25);
    w.f18_string = Some("value of f18_string with some text".to_string());
    w.f19_boolean = Some(true);
    w.f20_int = Some(140);
    w.f21_float = Some(21.25);
    w.f22_boolean = Some(false);
    w.f23_string = Some("value of f23_string with some text".to_string());
    w.f24_datetime = Some(ts(1600000024));
    w.f25_int = Some(175);
    w.f26_string = Some("value of f26_string with some text".to_string());
    w.f27_float = Some(27.25);
    w.f28_string = Some("value of f28_string with some text".to_string());
    w
}

fn serde_wide(w: &Wide) -> SerdeWide {
    SerdeWide {
        id: w.id.clone(),
        f00_int: w.f00_int,
        f01_float: w.f01_float,
        f02_boolean: w.f02_boolean,
        f03_string: w.f03_string.clone(),
        f04_datetime: w.f04_datetime,
        f05_int: w.f05_int,
        f06_string: w.f06_string.clone(),
        f07_float: w.f07_float,
        f08_string: w.f08_string.clone(),
        f09_boolean: w.f09_boolean,
        f10_int: w.f10_int,
        f11_float: w.f11_float,
        f12_boolean: w.f12_boolean,
        f13_string: w.f13_string.clone(),
        f14_datetime: w.f14_datetime,
        f15_int: w.f15_int,
        f16_string: w.f16_string.clone(),
        f17_float: w.f17_float,
        f18_string: w.f18_string.clone(),
        f19_boolean: w.f19_boolean,
        f20_int: w.f20_int,
        f21_float: w.f21_float,
        f22_boolean: w.f22_boolean,
        f23_string: w.f23_string.clone(),
        f24_datetime: w.f24_datetime,
        f25_int: w.f25_int,
        f26_string: w.f26_string.clone(),
        f27_float: w.f27_float,
        f28_string: w.f28_string.clone(),
    }
}

fn hand_wide_to_item(w: &Wide) -> Item {
    let mut item = HashMap::with_capacity(30);
    item.insert("id".to_string(), s(&w.id));
    if let Some(v) = &w.f00_int {
        item.insert("f00_int".to_string(), AttributeValue::N(v.to_string()));
    }
    if let Some(v) = &w.f01_float {
        item.insert("f01_float".to_string(), AttributeValue::N(v.to_string()));
    }
    if let Some(v) = &w.f02_boolean {
        item.insert("f02_boolean".to_string(), AttributeValue::Bool(*v));
    }
    if let Some(v) = &w.f03_string {
        item.insert("f03_string".to_string(), s(v));
    }
    if let Some(v) = &w.f04_datetime {
        item.insert(
            "f04_datetime".to_string(),
            AttributeValue::S(v.format(FORMAT).to_string()),
        );
    }
    if let Some(v) = &w.f05_int {
        item.insert("f05_int".to_string(), AttributeValue::N(v.to_string()));
    }
    if let Some(v) = &w.f06_string {
        item.insert("f06_string".to_string(), s(v));
    }
    if let Some(v) = &w.f07_float {
        item.insert("f07_float".to_string(), AttributeValue::N(v.to_string()));
    }
    if let Some(v) = &w.f08_string {
        item.insert("f08_string".to_string(), s(v));
    }
    if let Some(v) = &w.f09_boolean {
        item.insert("f09_boolean".to_string(), AttributeValue::Bool(*v));
    }
    if let Some(v) = &w.f10_int {
        item.insert("f10_int".to_string(), AttributeValue::N(v.to_string()));
    }
    if let Some(v) = &w.f11_float {
        item.insert("f11_float".to_string(), AttributeValue::N(v.to_string()));
    }
    if let Some(v) = &w.f12_boolean {
        item.insert("f12_boolean".to_string(), AttributeValue::Bool(*v));
    }
    if let Some(v) = &w.f13_string {
        item.insert("f13_string".to_string(), s(v));
    }
    if let Some(v) = &w.f14_datetime {
        item.insert(
            "f14_datetime".to_string(),
            AttributeValue::S(v.format(FORMAT).to_string()),
        );
    }
    if let Some(v) = &w.f15_int {
        item.insert("f15_int".to_string(), AttributeValue::N(v.to_string()));
    }
    if let Some(v) = &w.f16_string {
        item.insert("f16_string".to_string(), s(v));
    }
    if let Some(v) = &w.f17_float {
        item.insert("f17_float".to_string(), AttributeValue::N(v.to_string()));
    }
    if let Some(v) = &w.f18_string {
        item.insert("f18_string".to_string(), s(v));
    }
    if let Some(v) = &w.f19_boolean {
        item.insert("f19_boolean".to_string(), AttributeValue::Bool(*v));
    }
    if let Some(v) = &w.f20_int {
        item.insert("f20_int".to_string(), AttributeValue::N(v.to_string()));
    }
    if let Some(v) = &w.f21_float {
        item.insert("f21_float".to_string(), AttributeValue::N(v.to_string()));
    }
    if let Some(v) = &w.f22_boolean {
        item.insert("f22_boolean".to_string(), AttributeValue::Bool(*v));
    }
    if let Some(v) = &w.f23_string {
        item.insert("f23_string".to_string(), s(v));
    }
    if let Some(v) = &w.f24_datetime {
        item.insert(
            "f24_datetime".to_string(),
            AttributeValue::S(v.format(FORMAT).to_string()),
        );
    }
    if let Some(v) = &w.f25_int {
        item.insert("f25_int".to_string(), AttributeValue::N(v.to_string()));
    }
    if let Some(v) = &w.f26_string {
        item.insert("f26_string".to_string(), s(v));
    }
    if let Some(v) = &w.f27_float {
        item.insert("f27_float".to_string(), AttributeValue::N(v.to_string()));
    }
    if let Some(v) = &w.f28_string {
        item.insert("f28_string".to_string(), s(v));
    }
    item
}

fn hand_wide_from_item(item: &Item) -> Option<Wide> {
    let mut w = Wide::new(get_s(item, "id")?);
    w.f00_int = get_n(item, "f00_int");
    w.f01_float = get_n(item, "f01_float");
    w.f02_boolean = item
        .get("f02_boolean")
        .and_then(|v| v.as_bool().ok().copied());
    w.f03_string = get_s(item, "f03_string");
    w.f04_datetime = get_dt(item, "f04_datetime");
    w.f05_int = get_n(item, "f05_int");
    w.f06_string = get_s(item, "f06_string");
    w.f07_float = get_n(item, "f07_float");
    w.f08_string = get_s(item, "f08_string");
    w.f09_boolean = item
        .get("f09_boolean")
        .and_then(|v| v.as_bool().ok().copied());
    w.f10_int = get_n(item, "f10_int");
    w.f11_float = get_n(item, "f11_float");
    w.f12_boolean = item
        .get("f12_boolean")
        .and_then(|v| v.as_bool().ok().copied());
    w.f13_string = get_s(item, "f13_string");
    w.f14_datetime = get_dt(item, "f14_datetime");
    w.f15_int = get_n(item, "f15_int");
    w.f16_string = get_s(item, "f16_string");
    w.f17_float = get_n(item, "f17_float");
    w.f18_string = get_s(item, "f18_string");
    w.f19_boolean = item
        .get("f19_boolean")
        .and_then(|v| v.as_bool().ok().copied());
    w.f20_int = get_n(item, "f20_int");
    w.f21_float = get_n(item, "f21_float");
    w.f22_boolean = item
        .get("f22_boolean")
        .and_then(|v| v.as_bool().ok().copied());
    w.f23_string = get_s(item, "f23_string");
    w.f24_datetime = get_dt(item, "f24_datetime");
    w.f25_int = get_n(item, "f25_int");
    w.f26_string = get_s(item, "f26_string");
    w.f27_float = get_n(item, "f27_float");
    w.f28_string = get_s(item, "f28_string");
    Some(w)
}

fn bench(c: &mut Criterion) {
    let u = user();
    let su = serde_user(&u);
    let item = u.to_item();
    assert_eq!(hand_user_to_item(&u), item, "same data, same item");
    assert_eq!(
        serde_dynamo::to_item::<_, Item>(&su).ok(),
        Some(item.clone())
    );
    assert_eq!(hand_user_from_item(&item).as_ref(), Some(&u));
    let mut g = c.benchmark_group("user");
    g.bench_function("to_item/generated", |b| b.iter(|| black_box(&u).to_item()));
    g.bench_function("to_item/hand_written", |b| {
        b.iter(|| hand_user_to_item(black_box(&u)))
    });
    g.bench_function("to_item/serde_dynamo", |b| {
        b.iter(|| serde_dynamo::to_item::<_, Item>(black_box(&su)))
    });
    g.bench_function("from_item/generated", |b| {
        b.iter(|| User::from_item(black_box(&item)))
    });
    g.bench_function("from_item/hand_written", |b| {
        b.iter(|| hand_user_from_item(black_box(&item)))
    });
    g.bench_function("from_item/serde_dynamo", |b| {
        b.iter(|| serde_dynamo::from_item::<_, SerdeUser>(black_box(item.clone())))
    });
    g.finish();

    let w = wide();
    let sw = serde_wide(&w);
    let item = w.to_item();
    assert_eq!(hand_wide_to_item(&w), item, "same data, same item");
    assert_eq!(
        serde_dynamo::to_item::<_, Item>(&sw).ok(),
        Some(item.clone())
    );
    assert_eq!(hand_wide_from_item(&item).as_ref(), Some(&w));
    let mut g = c.benchmark_group("wide30");
    g.bench_function("to_item/generated", |b| b.iter(|| black_box(&w).to_item()));
    g.bench_function("to_item/hand_written", |b| {
        b.iter(|| hand_wide_to_item(black_box(&w)))
    });
    g.bench_function("to_item/serde_dynamo", |b| {
        b.iter(|| serde_dynamo::to_item::<_, Item>(black_box(&sw)))
    });
    g.bench_function("from_item/generated", |b| {
        b.iter(|| Wide::from_item(black_box(&item)))
    });
    g.bench_function("from_item/hand_written", |b| {
        b.iter(|| hand_wide_from_item(black_box(&item)))
    });
    g.bench_function("from_item/serde_dynamo", |b| {
        b.iter(|| serde_dynamo::from_item::<_, SerdeWide>(black_box(item.clone())))
    });
    g.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default().warm_up_time(std::time::Duration::from_millis(500)).measurement_time(std::time::Duration::from_secs(2));
    targets = bench
}

/// `-- --interleaved`: the three versions timed in turn, round after round, in one
/// process, so that a noisy machine (a shared VM, a busy allocator) slows all three alike.
/// Prints the ratios of the totals and the spread of the per-round ratios.
fn interleaved() {
    fn time(n: usize, f: &mut dyn FnMut()) -> f64 {
        let t = std::time::Instant::now();
        for _ in 0..n {
            f();
        }
        t.elapsed().as_secs_f64() / n as f64
    }
    fn report(name: &str, n: usize, variants: &mut [(&str, &mut dyn FnMut())]) {
        const ROUNDS: usize = 40;
        let mut totals = vec![0.0; variants.len()];
        let mut ratios: Vec<Vec<f64>> = vec![Vec::new(); variants.len()];
        for round in 0..ROUNDS {
            let mut this = vec![0.0; variants.len()];
            // Rotate the order so that none always runs first.
            for k in 0..variants.len() {
                let i = (round + k) % variants.len();
                this[i] = time(n, &mut *variants[i].1);
            }
            for i in 0..variants.len() {
                totals[i] += this[i];
                ratios[i].push(this[0] / this[i]);
            }
        }
        let mut line = format!(
            "{name}: {} {:.0} ns",
            variants[0].0,
            totals[0] / ROUNDS as f64 * 1e9
        );
        for i in 1..variants.len() {
            ratios[i].sort_by(f64::total_cmp);
            let (lo, hi) = (ratios[i][ROUNDS / 10], ratios[i][ROUNDS - 1 - ROUNDS / 10]);
            line += &format!(
                ", {} {:.0} ns (ratio {:.2}, rounds {lo:.2}-{hi:.2})",
                variants[i].0,
                totals[i] / ROUNDS as f64 * 1e9,
                totals[0] / totals[i]
            );
        }
        println!("{line}");
    }

    let u = user();
    let su = serde_user(&u);
    let item = u.to_item();
    report(
        "user to_item",
        2_000,
        &mut [
            ("generated", &mut || {
                drop(black_box(black_box(&u).to_item()))
            }),
            ("hand-written", &mut || {
                drop(black_box(hand_user_to_item(black_box(&u))))
            }),
            ("serde_dynamo", &mut || {
                drop(black_box(serde_dynamo::to_item::<_, Item>(black_box(&su))))
            }),
        ],
    );
    report(
        "user from_item",
        2_000,
        &mut [
            ("generated", &mut || {
                drop(black_box(User::from_item(black_box(&item))))
            }),
            ("hand-written", &mut || {
                drop(black_box(hand_user_from_item(black_box(&item))))
            }),
            ("serde_dynamo", &mut || {
                drop(black_box(serde_dynamo::from_item::<_, SerdeUser>(
                    black_box(item.clone()),
                )))
            }),
        ],
    );
    let w = wide();
    let sw = serde_wide(&w);
    let item = w.to_item();
    report(
        "wide30 to_item",
        500,
        &mut [
            ("generated", &mut || {
                drop(black_box(black_box(&w).to_item()))
            }),
            ("hand-written", &mut || {
                drop(black_box(hand_wide_to_item(black_box(&w))))
            }),
            ("serde_dynamo", &mut || {
                drop(black_box(serde_dynamo::to_item::<_, Item>(black_box(&sw))))
            }),
        ],
    );
    report(
        "wide30 from_item",
        500,
        &mut [
            ("generated", &mut || {
                drop(black_box(Wide::from_item(black_box(&item))))
            }),
            ("hand-written", &mut || {
                drop(black_box(hand_wide_from_item(black_box(&item))))
            }),
            ("serde_dynamo", &mut || {
                drop(black_box(serde_dynamo::from_item::<_, SerdeWide>(
                    black_box(item.clone()),
                )))
            }),
        ],
    );
}

fn main() {
    if std::env::args().any(|a| a == "--interleaved") {
        interleaved();
        return;
    }
    benches();
    Criterion::default().configure_from_args().final_summary();
}
