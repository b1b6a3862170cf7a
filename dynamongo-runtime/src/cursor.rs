//! Page cursors: where a read stopped, as an opaque URL-safe string a web API hands to its
//! clients. A cursor names the query it belongs to (a fingerprint of the plan), carries a
//! checksum, and its start key is checked against the query's keys before it is used:
//! a cursor from another query, or one altered or cut short, is `Error::Validation`,
//! never a panic and never a read outside the query.

use aws_sdk_dynamodb::types::AttributeValue;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine;
use serde_json::{json, Map, Value};

use crate::error::{Error, Violation};
use crate::value::Item;

/// Where a read resumes: which part of the plan (a hash value of a Query, a segment of a
/// Scan, or an offset into a list of keys) and the start key within it.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Position {
    pub part: usize,
    pub start: Option<Item>,
}

const VERSION: u64 = 1;

/// FNV-1a, 64 bits: stable across processes and Rust versions, unlike std's hasher.
pub(crate) fn fnv(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(*b)).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

fn checksum(body: &str) -> u64 {
    fnv(format!("dynamongo-cursor/{body}").as_bytes())
}

pub(crate) fn invalid(message: impl Into<String>) -> Error {
    Error::Validation(vec![Violation::new("cursor", message)])
}

fn attr_json(v: &AttributeValue) -> Option<Value> {
    Some(match v {
        AttributeValue::S(s) => json!({"S": s}),
        AttributeValue::N(n) => json!({"N": n}),
        AttributeValue::B(b) => json!({"B": STANDARD.encode(b.as_ref())}),
        _ => return None,
    })
}

fn attr_of(v: &Value) -> Option<AttributeValue> {
    let obj = v.as_object().filter(|o| o.len() == 1)?;
    let (kind, value) = obj.iter().next()?;
    let text = value.as_str()?;
    Some(match kind.as_str() {
        "S" => AttributeValue::S(text.to_string()),
        "N" if text.parse::<f64>().is_ok_and(f64::is_finite) => AttributeValue::N(text.to_string()),
        "B" => AttributeValue::B(STANDARD.decode(text).ok()?.into()),
        _ => return None,
    })
}

/// The cursor of `position` in the query whose fingerprint is `fingerprint`.
pub(crate) fn encode(fingerprint: u64, position: &Position) -> String {
    let start: Option<Map<String, Value>> = position.start.as_ref().map(|item| {
        let mut keys: Vec<(&String, &AttributeValue)> = item.iter().collect();
        keys.sort_by(|a, b| a.0.cmp(b.0));
        keys.into_iter()
            .filter_map(|(k, v)| attr_json(v).map(|j| (k.clone(), j)))
            .collect()
    });
    let body = json!({
        "v": VERSION,
        "q": format!("{fingerprint:016x}"),
        "p": position.part,
        "k": start,
    })
    .to_string();
    let sum = checksum(&body);
    URL_SAFE_NO_PAD.encode(format!("{body}.{sum:016x}"))
}

/// The position a cursor names, if it is one of this query's cursors, unaltered.
pub(crate) fn decode(cursor: &str, fingerprint: u64) -> Result<Position, Error> {
    if cursor.is_empty() || cursor.len() > 16 * 1024 {
        return Err(invalid("is empty or too long to be a cursor"));
    }
    let bytes = URL_SAFE_NO_PAD
        .decode(cursor)
        .map_err(|_| invalid("is not a cursor (not URL-safe base64)"))?;
    let text = String::from_utf8(bytes).map_err(|_| invalid("is not a cursor (not text)"))?;
    let (body, sum) = text
        .rsplit_once('.')
        .ok_or_else(|| invalid("is not a cursor (no checksum)"))?;
    if u64::from_str_radix(sum, 16).ok() != Some(checksum(body)) || sum.len() != 16 {
        return Err(invalid(
            "was altered or cut short (its checksum does not match)",
        ));
    }
    let value: Value =
        serde_json::from_str(body).map_err(|_| invalid("is not a cursor (bad content)"))?;
    if value["v"].as_u64() != Some(VERSION) {
        return Err(invalid("is of another version of dynamongo"));
    }
    if value["q"].as_str() != Some(format!("{fingerprint:016x}").as_str()) {
        return Err(invalid("belongs to another query"));
    }
    let part = value["p"]
        .as_u64()
        .and_then(|p| usize::try_from(p).ok())
        .ok_or_else(|| invalid("has no position"))?;
    let start = match &value["k"] {
        Value::Null => None,
        Value::Object(keys) if !keys.is_empty() => Some(
            keys.iter()
                .map(|(k, v)| {
                    attr_of(v)
                        .map(|a| (k.clone(), a))
                        .ok_or_else(|| invalid(format!("has a bad start key value for `{k}`")))
                })
                .collect::<Result<Item, Error>>()?,
        ),
        _ => return Err(invalid("has a bad start key")),
    };
    Ok(Position { part, start })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_refusals() {
        let pos = Position {
            part: 2,
            start: Some(Item::from([
                ("email".to_string(), AttributeValue::S("a@b.io".into())),
                ("n".to_string(), AttributeValue::N("1.5".into())),
                ("b".to_string(), AttributeValue::B(vec![0u8, 255].into())),
            ])),
        };
        let c = encode(42, &pos);
        assert!(c
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'));
        assert_eq!(decode(&c, 42).unwrap(), pos);
        assert!(decode(&c, 43).is_err());
        assert!(decode(&c[..c.len() - 1], 42).is_err());
        assert!(decode("", 42).is_err());
        let no_start = Position {
            part: 0,
            start: None,
        };
        assert_eq!(decode(&encode(7, &no_start), 7).unwrap(), no_start);
    }
}
