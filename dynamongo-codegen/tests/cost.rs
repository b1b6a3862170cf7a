//! The capacity sheet (`dynamongo-codegen cost`): its JSON shape (DESIGN §12) and item
//! sizes worked out by hand from DynamoDB's rules, and the text a reviewer reads.

use std::path::Path;
use std::process::Command;

fn cost(dir: &str, format: &str) -> String {
    let spec = Path::new(env!("CARGO_MANIFEST_DIR")).join("..").join(dir);
    let out = Command::new(env!("CARGO_BIN_EXE_dynamongo-codegen"))
        .args([
            "cost".as_ref(),
            spec.as_os_str(),
            "--format".as_ref(),
            format.as_ref(),
        ])
        .output()
        .expect("the CLI runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("UTF-8")
}

#[test]
fn the_json_sheet_has_one_object_per_model_in_name_order() {
    let sheet: serde_json::Value = serde_json::from_str(&cost("spec", "json")).unwrap();
    let rows = sheet.as_array().unwrap();
    let names: Vec<&str> = rows.iter().map(|r| r["model"].as_str().unwrap()).collect();
    let mut sorted = names.clone();
    sorted.sort();
    assert_eq!(names, sorted);
    for r in rows {
        for key in ["model", "table", "item_bytes", "write_units", "read_units"] {
            assert!(r.get(key).is_some(), "{key} in {r}");
        }
        assert!(r["write_units"]["by_index"].is_object(), "{r}");
        assert!(r["read_units"]["strong"]["min"].is_number(), "{r}");
        assert!(r["read_units"]["eventual"]["min"].is_number(), "{r}");
    }
    // Session, by hand: `token` 5 + a uuid 36; `user` 4 + an email of 1 to 254 characters
    // (4 bytes each at most); `expires_at` 10 + epoch seconds as N (1 to 8 bytes).
    let session = rows.iter().find(|r| r["model"] == "Session").unwrap();
    assert_eq!(
        session["item_bytes"],
        serde_json::json!({"min": 41 + 5 + 11, "max": 41 + 4 + 1016 + 18})
    );
    assert_eq!(
        session["write_units"],
        serde_json::json!({"min": 1.0, "max": 2.0, "by_index": {}})
    );
    assert_eq!(
        session["read_units"],
        serde_json::json!({"strong": {"min": 1.0, "max": 1.0}, "eventual": {"min": 0.5, "max": 0.5}})
    );
    // Order: unbounded strings leave every maximum open; a sparse index costs 0 at least.
    let order = rows.iter().find(|r| r["model"] == "Order").unwrap();
    assert_eq!(order["item_bytes"]["max"], serde_json::Value::Null);
    assert_eq!(order["write_units"]["by_index"]["by_coupon"]["min"], 0.0);
    assert_eq!(order["write_units"]["by_index"]["by_status"]["min"], 1.0);
}

#[test]
fn a_bounded_model_has_every_maximum() {
    let sheet: serde_json::Value =
        serde_json::from_str(&cost("tests/specs/valid", "json")).unwrap();
    let reading = sheet
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["model"] == "Reading")
        .unwrap()
        .clone();
    // Keys only: station (7 + 1..80), at (2 + 1..5), kind (4 + 4); the index entry is
    // that, and never more than 1 KB.
    assert_eq!(
        reading["write_units"]["by_index"]["by_kind"],
        serde_json::json!({"min": 1.0, "max": 1.0})
    );
    assert_eq!(reading["write_units"]["by_index"]["by_flag"]["min"], 0.0);
    assert!(reading["item_bytes"]["max"].as_u64().unwrap() > 2048);
    assert_eq!(reading["write_units"]["max"], 8.0);
    let text = cost("tests/specs/valid", "text");
    assert!(
        text.contains("Reading (table readings)\n  item:   61–2502 bytes\n"),
        "{text}"
    );
    assert!(
        text.contains("index by_flag: an entry is 0–2502 bytes (sparse"),
        "{text}"
    );
}
