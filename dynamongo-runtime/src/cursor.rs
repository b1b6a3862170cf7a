//! Page cursors: where a read stopped, as an opaque URL-safe string a web API hands to its
//! clients. A cursor is signed (HMAC-SHA256 under the `Db`'s cursor key), names the query
//! it belongs to by the SHA-256 of the query's canonical form (`plan::canonical`), and its
//! start key is checked against the query's keys before it is used: a cursor of another
//! query, a forged or altered one, or one cut short is `Error::BadRequest`, never a panic
//! and never a read outside the query.
//!
//! Wire format (version 2): `base64url(body) "." base64url(mac)`, no padding, where `body`
//! is the JSON `{"v":2,"q":<fingerprint>,"p":<part>,"k":<start key or null>}` and `mac` is
//! HMAC-SHA256(key, "dynamongo-cursor/v2\n" + body), 32 bytes.

use aws_sdk_dynamodb::types::AttributeValue;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine;
use hmac::{Hmac, KeyInit, Mac};
use serde_json::{json, Map, Value};
use sha2::{Digest, Sha256};

use crate::error::{Error, Violation};
use crate::value::Item;

/// Where a read resumes: which part of the plan (a hash value of a Query, a segment of a
/// Scan, or an offset into a list of keys) and the start key within it.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Position {
    pub part: usize,
    pub start: Option<Item>,
}

const VERSION: u64 = 2;
const DOMAIN: &[u8] = b"dynamongo-cursor/v2\n";
/// The shortest key accepted: 128 bits.
pub(crate) const MIN_KEY: usize = 16;

/// The keys cursors are signed with: the current one signs, and it and the previous ones
/// (for rotation) verify.
#[derive(Clone)]
pub(crate) struct CursorKeys {
    current: Vec<u8>,
    previous: Vec<Vec<u8>>,
}

impl std::fmt::Debug for CursorKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("CursorKeys(<redacted>)")
    }
}

impl CursorKeys {
    /// Keys given by the user; each at least [`MIN_KEY`] bytes.
    pub(crate) fn new(current: Vec<u8>, previous: Vec<Vec<u8>>) -> Result<Self, Error> {
        if let Some(short) = std::iter::once(&current)
            .chain(&previous)
            .position(|k| k.len() < MIN_KEY)
        {
            let which = if short == 0 {
                "the cursor key".to_string()
            } else {
                format!("previous cursor key {short}")
            };
            return Err(Error::Config(format!(
                "{which} is shorter than {MIN_KEY} bytes: use a random secret of 32 bytes or more"
            )));
        }
        Ok(CursorKeys { current, previous })
    }

    /// A random key of this process (cursors then do not survive a restart, nor work
    /// on another instance).
    pub(crate) fn random() -> Self {
        let mut key = uuid::Uuid::new_v4().as_bytes().to_vec();
        key.extend_from_slice(uuid::Uuid::new_v4().as_bytes());
        CursorKeys {
            current: key,
            previous: Vec::new(),
        }
    }

    fn mac(key: &[u8], body: &[u8]) -> Hmac<Sha256> {
        let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(key)
            .unwrap_or_else(|_| unreachable!("HMAC takes keys of any length"));
        mac.update(DOMAIN);
        mac.update(body);
        mac
    }

    fn sign(&self, body: &[u8]) -> Vec<u8> {
        Self::mac(&self.current, body)
            .finalize()
            .into_bytes()
            .to_vec()
    }

    /// Whether `tag` is the MAC of `body` under the current key or a previous one
    /// (compared in constant time).
    fn verify(&self, body: &[u8], tag: &[u8]) -> bool {
        std::iter::once(&self.current)
            .chain(&self.previous)
            .any(|k| Self::mac(k, body).verify_slice(tag).is_ok())
    }
}

/// The fingerprint of a query: SHA-256 of its canonical form, 32 hex digits.
pub(crate) fn fingerprint(canonical: &str) -> String {
    let digest = Sha256::digest(canonical.as_bytes());
    digest[..16].iter().map(|b| format!("{b:02x}")).collect()
}

pub(crate) fn invalid(message: impl Into<String>) -> Error {
    Error::BadRequest(vec![Violation::new("cursor", message)])
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
pub(crate) fn encode(keys: &CursorKeys, fingerprint: &str, position: &Position) -> String {
    let start: Option<Map<String, Value>> = position.start.as_ref().map(|item| {
        let mut names: Vec<(&String, &AttributeValue)> = item.iter().collect();
        names.sort_by(|a, b| a.0.cmp(b.0));
        names
            .into_iter()
            .filter_map(|(k, v)| attr_json(v).map(|j| (k.clone(), j)))
            .collect()
    });
    let body = json!({
        "v": VERSION,
        "q": fingerprint,
        "p": position.part,
        "k": start,
    })
    .to_string();
    let tag = keys.sign(body.as_bytes());
    format!(
        "{}.{}",
        URL_SAFE_NO_PAD.encode(body.as_bytes()),
        URL_SAFE_NO_PAD.encode(tag)
    )
}

/// The position a cursor names, if it is one of this query's cursors, signed by one of
/// `keys` and unaltered.
pub(crate) fn decode(
    keys: &CursorKeys,
    cursor: &str,
    fingerprint: &str,
) -> Result<Position, Error> {
    if cursor.is_empty() || cursor.len() > 16 * 1024 {
        return Err(invalid("is empty or too long to be a cursor"));
    }
    let (body, tag) = cursor
        .split_once('.')
        .ok_or_else(|| invalid("is not a cursor (no signature)"))?;
    let body = URL_SAFE_NO_PAD
        .decode(body)
        .map_err(|_| invalid("is not a cursor (not URL-safe base64)"))?;
    let tag = URL_SAFE_NO_PAD
        .decode(tag)
        .ok()
        .filter(|t| t.len() == 32)
        .ok_or_else(|| invalid("is not a cursor (bad signature)"))?;
    if !keys.verify(&body, &tag) {
        return Err(invalid(
            "was altered, cut short, or signed with another key (its signature does not match)",
        ));
    }
    let value: Value =
        serde_json::from_slice(&body).map_err(|_| invalid("is not a cursor (bad content)"))?;
    if value["v"].as_u64() != Some(VERSION) {
        return Err(invalid("is of another version of dynamongo"));
    }
    if value["q"].as_str() != Some(fingerprint) {
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

    fn keys(k: &[u8]) -> CursorKeys {
        CursorKeys::new(k.to_vec(), Vec::new()).unwrap()
    }

    #[test]
    fn round_trip_and_refusals() {
        let k = keys(b"0123456789abcdef0123456789abcdef");
        let pos = Position {
            part: 2,
            start: Some(Item::from([
                ("email".to_string(), AttributeValue::S("a@b.io".into())),
                ("n".to_string(), AttributeValue::N("1.5".into())),
                ("b".to_string(), AttributeValue::B(vec![0u8, 255].into())),
            ])),
        };
        let c = encode(&k, "f1", &pos);
        assert!(c
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_' || b == b'.'));
        assert_eq!(decode(&k, &c, "f1").unwrap(), pos);
        assert!(decode(&k, &c, "f2").is_err());
        assert!(decode(&k, &c[..c.len() - 1], "f1").is_err());
        assert!(decode(&k, &c.to_uppercase(), "f1").is_err());
        assert!(decode(&k, "", "f1").is_err());
        // Another key's cursor, and rotation.
        let other = keys(b"another key of at least 16 bytes");
        assert!(decode(&other, &c, "f1").is_err());
        let rotated = CursorKeys::new(
            b"the new key, 16 bytes or more".to_vec(),
            vec![b"0123456789abcdef0123456789abcdef".to_vec()],
        )
        .unwrap();
        assert_eq!(decode(&rotated, &c, "f1").unwrap(), pos);
        let no_start = Position {
            part: 0,
            start: None,
        };
        assert_eq!(
            decode(&k, &encode(&k, "f7", &no_start), "f7").unwrap(),
            no_start
        );
        assert!(CursorKeys::new(b"short".to_vec(), Vec::new()).is_err());
    }

    /// The wire format is pinned: a change to it breaks every cursor handed out, so it is
    /// made on purpose (with a new version) or not at all.
    #[test]
    fn golden_cursor() {
        let k = keys(b"golden key: 32 bytes of secret!!");
        let pos = Position {
            part: 1,
            start: Some(Item::from([
                ("pk".to_string(), AttributeValue::S("a@b.io".into())),
                ("sk".to_string(), AttributeValue::N("42".into())),
            ])),
        };
        let c = encode(&k, &fingerprint("a query"), &pos);
        assert_eq!(c, GOLDEN);
        assert_eq!(decode(&k, GOLDEN, &fingerprint("a query")).unwrap(), pos);
    }

    /// Checked independently when pinned: Python's `hmac.new(key, b"dynamongo-cursor/v2\\n"
    /// + body, sha256)` gives the same tag for this body.
    const GOLDEN: &str = "eyJ2IjoyLCJxIjoiZDRmMDI1ZjIzZWQ5ZDIxZjQzOWVmYTQ1NzU3YTE4NjEiLCJwIjoxLCJrIjp7InBrIjp7IlMiOiJhQGIuaW8ifSwic2siOnsiTiI6IjQyIn19fQ.g4SLVzaGFKzBfrFT9px8m067Z9vSFrZfGeE6n6IYgEs";
}
